"""Identifiers of traceability events: GS1 keys where a producer has them, else our namespace.

Two kinds of identifiers appear in the EPCIS events (see ``docs/traceability.md``):

- **GS1 keys**, written as canonical GS1 Digital Link URIs on ``https://id.gs1.org`` (the form
  EPCIS 2.0 JSON accepts besides EPC URNs, and one that needs no GS1 company prefix length):
  a lot of a trade item (LGTIN class) is ``https://id.gs1.org/01/{gtin14}/10/{lot}``, a
  serialised item (SGTIN) ``.../01/{gtin14}/21/{serial}``, a logistic unit (SSCC)
  ``.../00/{sscc}``, a location (GLN) ``.../414/{gln}``, a party ``.../417/{gln}``.
- **Project identifiers** for everything without a GS1 key, as HTTP URIs under a base
  (:data:`DEFAULT_ID_BASE`, override with ``$RURALFLOW_TRACE_ID_BASE`` or
  :class:`Namespace`): lots ``{base}/lot/{county adcode}/{batch}``, graded lots
  ``{base}/lot/{county adcode}/{batch}/grade/{code}``, logistic units
  ``{base}/unit/{county adcode}/{batch}/{n}``, locations by Chinese administrative code
  (adcode, GB/T 2260 plus the 12-digit statistical codes of townships and villages)
  ``{base}/loc/cn/{adcode}`` for a village or other administrative area, and
  ``{base}/loc/cn/{adcode}/{place id}`` for a facility inside one (county hub, cold store),
  parties ``{base}/party/cn/{adcode}/{role}``, sensors ``{base}/device/{county}/{id}``,
  user vocabulary ``{base}/voc/...`` (JSON-LD prefix ``rf:``). Event ids are
  ``urn:uuid:`` UUIDv5 of a stable name, so regenerating the same season gives the same ids.

The default base uses the reserved ``.example`` domain (RFC 2606): it is a placeholder that a
county deploying the system replaces with a domain it controls.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from ruralflow.trace.errors import TraceError

__all__ = [
    "DEFAULT_ID_BASE",
    "GS1_DEMO_PREFIX",
    "GS1_ID_HOST",
    "ID_BASE_ENV",
    "IdentifierError",
    "Namespace",
    "gln_uri",
    "gs1_check_digit",
    "gs1_lot_number",
    "is_gs1_lot",
    "lgtin_uri",
    "normalize_gln",
    "normalize_gtin",
    "party_gln_uri",
    "sgtin_uri",
    "sscc",
    "sscc_uri",
]

DEFAULT_ID_BASE = "https://id.ruralflow.example"
"""Base of project identifiers (placeholder domain, RFC 2606; configure a real one)."""

ID_BASE_ENV = "RURALFLOW_TRACE_ID_BASE"
GS1_ID_HOST = "https://id.gs1.org"
"""Host of canonical GS1 Digital Link URIs (GS1 Digital Link standard, section 'canonical')."""

GS1_DEMO_PREFIX = "952"
"""GS1 prefix reserved for demonstrations and examples of the GS1 system: demo keys use it."""

# GS1 AI (10) batch/lot: up to 20 characters of GS1 AI encodable character set 82.
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
_ADCODE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")
_SEGMENT_SAFE = "-._~"


class IdentifierError(TraceError):
    """A GS1 key or project identifier is malformed (the message names it)."""


# --------------------------------------------------------------------------- GS1 keys


def gs1_check_digit(digits: str) -> str:
    """GS1 mod-10 check digit of ``digits`` (the key without its check digit)."""
    if not digits.isdigit() or not digits.isascii():
        raise IdentifierError(f"{digits!r}: a GS1 key has only digits")
    total = 0
    for i, ch in enumerate(reversed(digits)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def _check_key(key: str, lengths: tuple[int, ...], what: str) -> str:
    k = key.strip()
    if not k.isdigit() or not k.isascii() or len(k) not in lengths:
        sizes = "/".join(str(n) for n in lengths)
        raise IdentifierError(f"{what} {key!r} must be {sizes} digits")
    if gs1_check_digit(k[:-1]) != k[-1]:
        raise IdentifierError(
            f"{what} {key!r} has a wrong check digit (expected {gs1_check_digit(k[:-1])})"
        )
    return k


def normalize_gtin(gtin: str) -> str:
    """A GTIN-8/12/13/14, check digit verified, as 14 digits (zero-padded)."""
    return _check_key(gtin, (8, 12, 13, 14), "GTIN").zfill(14)


def normalize_gln(gln: str) -> str:
    """A 13-digit GLN with a verified check digit."""
    return _check_key(gln, (13,), "GLN")


def is_gs1_lot(lot: str) -> bool:
    """True when ``lot`` is a valid GS1 AI (10) value (1-20 chars of character set 82)."""
    return bool(_CSET82.match(lot))


def gs1_lot_number(batch: str, day: dt.date | None = None, *, max_len: int = 20) -> str:
    """A GS1 lot number (AI 10) for a batch id.

    The batch id itself when it is a valid AI (10) value of at most ``max_len`` characters;
    otherwise ``{yymmdd}-{8 base32 chars of SHA-256(batch)}`` (15 characters; the harvest
    day keeps it readable, the hash keeps it unique). The full batch id always travels in the
    lot's ILMD (``rf:batch``), so nothing is lost.
    """
    if len(batch) <= max_len and is_gs1_lot(batch):
        return batch
    digest = base64.b32encode(hashlib.sha256(batch.encode("utf-8")).digest()).decode("ascii")
    prefix = day.strftime("%y%m%d") + "-" if day is not None else "L"
    lot = prefix + digest[:8]
    if len(lot) > max_len:
        raise IdentifierError(f"no lot number of at most {max_len} characters for {batch!r}")
    return lot


def _segment(value: str) -> str:
    return quote(value, safe=_SEGMENT_SAFE)


def lgtin_uri(gtin: str, lot: str) -> str:
    """GS1 Digital Link URI of a lot of a trade item: ``https://id.gs1.org/01/{gtin}/10/{lot}``."""
    if not is_gs1_lot(lot):
        raise IdentifierError(f"lot {lot!r} is not a GS1 AI (10) value (1-20 chars, CSET 82)")
    return f"{GS1_ID_HOST}/01/{normalize_gtin(gtin)}/10/{_segment(lot)}"


def sgtin_uri(gtin: str, serial: str) -> str:
    """GS1 Digital Link URI of a serialised trade item: ``.../01/{gtin}/21/{serial}``."""
    if not is_gs1_lot(serial):
        raise IdentifierError(f"serial {serial!r} is not a GS1 AI (21) value (1-20 chars)")
    return f"{GS1_ID_HOST}/01/{normalize_gtin(gtin)}/21/{_segment(serial)}"


def sscc(company_prefix: str, serial_reference: int, extension: int = 0) -> str:
    """An 18-digit SSCC: extension digit, company prefix, serial reference, check digit."""
    if not company_prefix.isdigit() or not 6 <= len(company_prefix) <= 12:
        raise IdentifierError(f"GS1 company prefix {company_prefix!r} must be 6-12 digits")
    if not 0 <= extension <= 9:
        raise IdentifierError(f"SSCC extension digit {extension} must be 0-9")
    width = 16 - len(company_prefix)
    if not 0 <= serial_reference < 10**width:
        raise IdentifierError(
            f"SSCC serial reference {serial_reference} does not fit {width} digits"
        )
    body = f"{extension}{company_prefix}{serial_reference:0{width}d}"
    return body + gs1_check_digit(body)


def sscc_uri(code: str) -> str:
    """GS1 Digital Link URI of a logistic unit: ``https://id.gs1.org/00/{sscc}``."""
    return f"{GS1_ID_HOST}/00/{_check_key(code, (18,), 'SSCC')}"


def gln_uri(gln: str) -> str:
    """GS1 Digital Link URI of a physical location: ``https://id.gs1.org/414/{gln}``."""
    return f"{GS1_ID_HOST}/414/{normalize_gln(gln)}"


def party_gln_uri(gln: str) -> str:
    """GS1 Digital Link URI of a party: ``https://id.gs1.org/417/{gln}``."""
    return f"{GS1_ID_HOST}/417/{normalize_gln(gln)}"


# --------------------------------------------------------------------------- project namespace


def _check_adcode(adcode: str) -> str:
    if not _ADCODE.match(adcode):
        raise IdentifierError(f"adcode {adcode!r} must be 6, 9 or 12 digits")
    return adcode


@dataclass(frozen=True, slots=True)
class Namespace:
    """Project identifiers under ``base`` (see the module docstring for the URI patterns)."""

    base: str = DEFAULT_ID_BASE

    def __post_init__(self) -> None:
        b = self.base.rstrip("/")
        if not re.match(r"^https?://[^/\s]+(/[^\s]*)?$", b):
            raise IdentifierError(f"identifier base {self.base!r} must be an http(s) URL")
        object.__setattr__(self, "base", b)

    @classmethod
    def from_env(cls) -> Namespace:
        """The namespace of ``$RURALFLOW_TRACE_ID_BASE``, or the default one."""
        return cls(os.environ.get(ID_BASE_ENV, "").strip() or DEFAULT_ID_BASE)

    @property
    def vocab_base(self) -> str:
        """IRI that the JSON-LD prefix ``rf:`` stands for."""
        return f"{self.base}/voc/"

    def vocab(self, term: str) -> str:
        """Full URI of a user-vocabulary term (e.g. ``bizstep/precooling``)."""
        return self.vocab_base + term

    def lot(self, county_adcode: str, batch: str) -> str:
        """A harvest lot (LGTIN-like class) of a batch without GS1 keys."""
        return f"{self.base}/lot/{_check_adcode(county_adcode)}/{_segment(batch)}"

    def graded_lot(self, county_adcode: str, batch: str, grade: str) -> str:
        """A graded lot of a batch (output of grading)."""
        return f"{self.lot(county_adcode, batch)}/grade/{_segment(grade)}"

    def unit(self, county_adcode: str, batch: str, n: int = 1) -> str:
        """A logistic unit (crate or pallet) packed from a batch, without an SSCC."""
        return f"{self.base}/unit/{_check_adcode(county_adcode)}/{_segment(batch)}/{n}"

    def location(self, adcode: str, place_id: str | None = None) -> str:
        """An administrative area by adcode, or a facility ``place_id`` inside it."""
        loc = f"{self.base}/loc/cn/{_check_adcode(adcode)}"
        return loc if not place_id else f"{loc}/{_segment(place_id)}"

    def party(self, adcode: str, role: str) -> str:
        """A party located by adcode (``coop``: the producers there, ``buyer``...)."""
        return f"{self.base}/party/cn/{_check_adcode(adcode)}/{_segment(role)}"

    def device(self, county_adcode: str, device_id: str) -> str:
        """A sensor or data logger."""
        return f"{self.base}/device/{_check_adcode(county_adcode)}/{_segment(device_id)}"

    def event_id(self, *parts: str) -> str:
        """A stable ``urn:uuid:`` (UUIDv5) for the event named by ``parts``."""
        name = self.base + "/event/" + "/".join(parts)
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

    def owns(self, uri: str) -> bool:
        """True when ``uri`` is under this namespace's base."""
        return uri.startswith(self.base + "/")

    def path_of(self, uri: str) -> str:
        """The path of ``uri`` below the base (``/lot/610425/B1``)."""
        if not self.owns(uri):
            raise IdentifierError(f"{uri!r} is not under {self.base}")
        return uri[len(self.base) :]
