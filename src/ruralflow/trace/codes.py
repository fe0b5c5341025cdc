"""Trace codes: a GS1 Digital Link style URL per sold lot, printed as a QR code.

The URL is the lot's identifier with its host replaced by the county's **resolver** (the
public verification service):

- a lot with GS1 keys ``https://id.gs1.org/01/{gtin}/10/{lot}`` gets
  ``{resolver}/01/{gtin}/10/{lot}`` (a GS1 Digital Link URI on the county's domain, so GS1
  aware scanners read GTIN and lot from it);
- a lot in the project namespace ``{base}/lot/{adcode}/{batch}/grade/{g}`` gets
  ``{resolver}/lot/{adcode}/{batch}/grade/{g}``.

The resolver is :data:`DEFAULT_RESOLVER` (a placeholder on the reserved ``.example`` domain),
``$RURALFLOW_TRACE_RESOLVER``, or the ``resolver`` argument. :func:`lot_of_url` maps a
scanned URL back to the lot identifier that the log's events use.

QR codes are made with ``segno`` (pure Python): error correction level M, 4-module quiet
zone; PNG (1-bit) and SVG (a single path, no scripts) outputs.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import segno

from ruralflow.trace.ids import GS1_ID_HOST, IdentifierError, Namespace, lgtin_uri

__all__ = [
    "DEFAULT_RESOLVER",
    "RESOLVER_ENV",
    "digital_link",
    "lot_of_url",
    "qr_png",
    "qr_svg",
    "resolver_from_env",
    "trace_url",
    "write_qr",
]

DEFAULT_RESOLVER = "https://trace.ruralflow.example"
"""Default resolver of trace URLs (placeholder domain, RFC 2606: configure a real one)."""

RESOLVER_ENV = "RURALFLOW_TRACE_RESOLVER"

_GS1_PATH = re.compile(r"^/01/(\d{14})/10/([^/?#]+)$")
_URL = re.compile(r"^(https?://[^/\s?#]+)(/[^\s?#]*)?")


def resolver_from_env(resolver: str | None = None) -> str:
    """``resolver``, else ``$RURALFLOW_TRACE_RESOLVER``, else :data:`DEFAULT_RESOLVER`."""
    r = (resolver or os.environ.get(RESOLVER_ENV, "").strip() or DEFAULT_RESOLVER).rstrip("/")
    m = _URL.match(r)
    if not m or m.group(0) != r:
        raise IdentifierError(f"resolver {r!r} must be an http(s) URL without query")
    return r


def trace_url(lot: str, *, resolver: str | None = None, ns: Namespace | None = None) -> str:
    """The trace URL of a lot identifier (GS1 Digital Link or project namespace)."""
    res = resolver_from_env(resolver)
    ns = ns or Namespace.from_env()
    if lot.startswith(GS1_ID_HOST + "/"):
        path = lot[len(GS1_ID_HOST) :]
        if not _GS1_PATH.match(path):
            raise IdentifierError(f"{lot!r} is not a GS1 Digital Link URI of a lot (/01/../10/..)")
        return res + path
    if ns.owns(lot):
        path = ns.path_of(lot)
        if not path.startswith("/lot/"):
            raise IdentifierError(f"{lot!r} is not a lot of namespace {ns.base}")
        return res + path
    raise IdentifierError(f"{lot!r} is neither a GS1 Digital Link lot nor a lot under {ns.base}")


def digital_link(gtin: str, lot: str, *, resolver: str | None = None) -> str:
    """``{resolver}/01/{gtin14}/10/{lot}`` for a GTIN and lot number."""
    return trace_url(lgtin_uri(gtin, lot), resolver=resolver)


def lot_of_url(url: str, *, ns: Namespace | None = None) -> str:
    """The lot identifier behind a trace URL (any resolver host), or the lot URI itself."""
    ns = ns or Namespace.from_env()
    if ns.owns(url) or url.startswith(GS1_ID_HOST + "/"):
        return url
    m = _URL.match(url)
    if not m or not m.group(2):
        raise IdentifierError(f"{url!r} is not a trace URL")
    path = m.group(2)
    if _GS1_PATH.match(path):
        return GS1_ID_HOST + path
    if path.startswith("/lot/"):
        return ns.base + path
    raise IdentifierError(f"{url!r} is not a trace URL (/01/<gtin>/10/<lot> or /lot/...)")


def _qr(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False, boost_error=False)


def qr_svg(url: str, *, scale: int = 4, border: int = 4, title: str | None = None) -> str:
    """SVG text (no XML declaration, so it can be inlined in HTML) of the QR code."""
    buf = io.BytesIO()
    _qr(url).save(
        buf,
        kind="svg",
        scale=scale,
        border=border,
        xmldecl=False,
        title=title,
        svgclass="qr",
        lineclass=None,
    )
    return buf.getvalue().decode("utf-8")


def qr_png(url: str, *, scale: int = 8, border: int = 4) -> bytes:
    """PNG bytes of the QR code (black on white, ``scale`` pixels per module)."""
    buf = io.BytesIO()
    _qr(url).save(buf, kind="png", scale=scale, border=border)
    return buf.getvalue()


def write_qr(url: str, stem: str | os.PathLike[str], *, scale: int = 8) -> tuple[Path, Path]:
    """Write ``{stem}.png`` and ``{stem}.svg``; returns both paths."""
    base = Path(stem)
    if base.suffix.lower() in (".png", ".svg"):
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    png, svg = base.with_name(base.name + ".png"), base.with_name(base.name + ".svg")
    png.write_bytes(qr_png(url, scale=scale))
    svg.write_text(qr_svg(url, scale=max(1, scale // 2), title=url) + "\n", encoding="utf-8")
    return png, svg
