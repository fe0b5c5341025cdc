"""The GS1 Digital Link resolver (no login): ``GET /01/{gtin}/10/{lot}``.

A browser (``Accept: text/html``) gets the lot's public consumer page: a small HTML shell whose
own script (``/static/trace/consumer.js`` with ``verify.js``) fetches the lot's events with
their stored bytes and inclusion proofs (``.../verification``) and the log's public key
(``/trace/public-key``), checks them in the browser with WebCrypto, and tells the story of the
batch (``docs/traceability.md``, "Consumer page"). ``Accept:
application/linkset+json`` (or ``?linkType=all``) gets an RFC 9264 linkset pointing at the
page, the lot's events with their inclusion proofs, and the latest signed checkpoint. Trace
codes printed by ``ruralflow trace qr`` resolve here when ``$RURALFLOW_TRACE_RESOLVER`` is the
service's base URL.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from sqlalchemy import Engine, select

from ruralflow.api.problems import Problem
from ruralflow.domain.products import Product
from ruralflow.store.codec import load
from ruralflow.store.counties import county_row
from ruralflow.store.db import session_scope
from ruralflow.store.events import history_candidates
from ruralflow.store.models import PlaceRow, ProductRow
from ruralflow.store.tracelog import SqlLogStore
from ruralflow.trace.codes import RESOLVER_ENV, lot_of_url, resolver_from_env
from ruralflow.trace.ids import IdentifierError, Namespace, lgtin_uri
from ruralflow.trace.log import MerkleLog
from ruralflow.trace.view import verification_view

router = APIRouter(tags=["trace"])

Gtin = Annotated[str, PathParam(pattern=r"^\d{8}$|^\d{12,14}$")]
Lot = Annotated[str, PathParam(min_length=1, max_length=60)]
LINKSET = "application/linkset+json"
_VOC = "https://gs1.org/voc/"
CHECKPOINT_REL = "https://id.ruralflow.example/voc/checkpoint"


def _base(request: Request) -> str:
    try:
        configured = resolver_from_env()
    except IdentifierError:
        configured = ""
    if configured and os.environ.get(RESOLVER_ENV, "").strip():
        return configured
    return str(request.base_url).rstrip("/")


def _lot(gtin: str, lot: str) -> str:
    try:
        return lgtin_uri(gtin, lot)
    except IdentifierError as e:
        raise Problem(404, f"不是有效的 GS1 批次 / not a GS1 lot: {e}") from None


class _Subset:
    """The service's log store, listing only some entries (a lot's possible history).

    Everything but :meth:`iter_entries` is the real store's, so indices, proofs and
    checkpoints are those of the whole log.
    """

    def __init__(self, store: SqlLogStore, indices: list[int]) -> None:
        self._store = store
        self._indices = indices

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def iter_entries(self, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]:
        wanted = [i for i in self._indices if i >= start]
        data = self._store.entries(wanted)
        for i in wanted:
            yield i, b"", data[i]


def _products(engine: Engine) -> Callable[[str, str], Product | None]:
    """``product_of(county, product)``: the stored county's product (for the freshness)."""

    def product_of(county: str, product: str) -> Product | None:
        with session_scope(engine) as s:
            row = county_row(s, county)
            if row is None:
                return None
            attrs = s.scalar(
                select(ProductRow.attrs).where(
                    ProductRow.county_id == row.id, ProductRow.product_id == product
                )
            )
            return None if attrs is None else load(Product, attrs)

    return product_of


def _places(engine: Engine, ns: Namespace) -> Callable[[str], tuple[str, str] | None]:
    """``place_of(location URI)``: name and English name of a stored county's place, for the
    project's location URIs (``{base}/loc/cn/{village adcode}`` and
    ``{base}/loc/cn/{adcode}/{place id}``)."""
    pattern = re.compile(re.escape(ns.base) + r"/loc/cn/(\d{6})(\d{3}|\d{6})?(?:/([^/]+))?$")

    def place_of(uri: str) -> tuple[str, str] | None:
        m = pattern.match(uri)
        if m is None:
            return None
        county, rest, place = m.group(1), m.group(2), m.group(3)
        with session_scope(engine) as s:
            row = county_row(s, county)
            if row is None:
                return None
            q = select(PlaceRow.name, PlaceRow.attrs).where(PlaceRow.county_id == row.id)
            if place is not None:
                found = s.execute(q.where(PlaceRow.place_id == place)).first()
            elif rest is not None:
                code = county + rest
                found = next(
                    (r for r in s.execute(q) if (r.attrs or {}).get("adcode") == code), None
                )
            else:
                return None
            if found is None:
                return None
            return str(found.name), str((found.attrs or {}).get("name_en") or "")

    return place_of


def _view(request: Request, identifier: str) -> dict[str, Any]:
    state = request.app.state
    store = state.log.store
    ns = Namespace.from_env()
    try:
        lot = lot_of_url(identifier, ns=ns)
    except IdentifierError:
        lot = identifier
    candidates = history_candidates(state.engine, lot)
    subset = MerkleLog(_Subset(store, candidates))
    return verification_view(
        subset,
        lot,
        ns=ns,
        resolver=_base(request),
        verifiers=[state.signer.verifier()],
        expected=candidates,
        product_of=_products(state.engine),
        place_of=_places(state.engine, ns),
    )


def _wants_linkset(request: Request, link_type: str | None) -> bool:
    if link_type == "all":
        return True
    accept = request.headers.get("accept", "")
    return LINKSET in accept or ("application/json" in accept and "text/html" not in accept)


def _answer(
    request: Request, identifier: str, path: str, title: str, link_type: str | None
) -> Response:
    view = _view(request, identifier)
    base = _base(request)
    if not _wants_linkset(request, link_type):
        return HTMLResponse(_page(title, view, path), headers={"Vary": "Accept"})
    events = [
        e for e in [*view.get("events", []), *view.get("pending", [])] if isinstance(e, dict)
    ]
    body = {
        "linkset": [
            {
                "anchor": base + path,
                _VOC + "pip": [{"href": base + path, "type": "text/html", "title": "Trace page"}],
                _VOC + "traceability": [
                    {
                        "href": base + path + "/verification",
                        "type": "application/json",
                        "title": "Events with inclusion proofs",
                    }
                ],
                _VOC + "epcis": [
                    {
                        "href": f"{base}{path}/verification#entry-{e.get('index')}",
                        "type": "application/json",
                        "title": str(e.get("eventID") or e.get("type") or "event"),
                    }
                    for e in events
                ],
                CHECKPOINT_REL: [{"href": base + "/trace/checkpoint", "type": "text/plain"}],
            }
        ]
    }
    return JSONResponse(body, media_type=LINKSET, headers={"Vary": "Accept"})


@router.get(
    "/01/{gtin}/10/{lot}",
    responses={200: {"content": {"text/html": {}, LINKSET: {}}}},
    response_class=Response,
)
def resolve(
    request: Request,
    gtin: Gtin,
    lot: Lot,
    linkType: str | None = None,  # noqa: N803
) -> Response:
    """The lot's public page (HTML), or its linkset (``application/linkset+json``)."""
    title = f"GTIN {gtin}, 批次 / lot {lot}"
    return _answer(request, _lot(gtin, lot), f"/01/{gtin}/10/{lot}", title, linkType)


@router.get("/01/{gtin}/10/{lot}/verification")
def verification(request: Request, gtin: Gtin, lot: Lot) -> JSONResponse:
    """The lot's events, each with an inclusion proof against the latest signed checkpoint."""
    return JSONResponse(_view(request, _lot(gtin, lot)))


_NS_LOT = r"^[0-9]{6}/[A-Za-z0-9._-]{1,80}/grade/[A-Za-z0-9]{1,8}(/verification)?$"
NsLot = Annotated[str, PathParam(pattern=_NS_LOT)]


@router.get(
    "/lot/{lot:path}",
    responses={200: {"content": {"text/html": {}, LINKSET: {}}}},
    response_class=Response,
)
def resolve_project_lot(
    request: Request,
    lot: NsLot,
    linkType: str | None = None,  # noqa: N803
) -> Response:
    """A lot in the project namespace (``/lot/{adcode}/{batch}/grade/{g}``, as printed by
    ``ruralflow trace qr`` for a season's lots): page or linkset as for GS1 lots, and the
    verification JSON under ``.../verification``."""
    if lot.endswith("/verification"):
        lot = lot.removesuffix("/verification")
        return JSONResponse(_view(request, f"{Namespace.from_env().base}/lot/{lot}"))
    identifier = f"{Namespace.from_env().base}/lot/{lot}"
    return _answer(request, identifier, f"/lot/{lot}", f"批次 / lot {lot}", linkType)


@router.get("/trace/checkpoint", response_class=PlainTextResponse)
def checkpoint(request: Request) -> PlainTextResponse:
    """The latest signed checkpoint of the log (a C2SP signed note)."""
    cp = request.app.state.log.latest_checkpoint()
    if cp is None:
        raise Problem(404, "日志尚无检查点 / the log has no checkpoint yet")
    return PlainTextResponse(cp.note)


@router.get("/trace/public-key", response_class=PlainTextResponse)
def public_key(request: Request) -> PlainTextResponse:
    """The verifier key of the log's checkpoints (C2SP note verifier format)."""
    return PlainTextResponse(request.app.state.signer.verifier().to_text())


def _page(title: str, view: dict[str, Any], path: str) -> str:
    """The consumer page's HTML shell; ``/static/trace/consumer.js`` checks and fills it.

    Without JavaScript it shows the events as a plain table (and no verdict: the verdict is
    the browser's own check, not the server's word).
    """
    e = html.escape
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{e(str(ev.get(k) or ''))}</td>"
            for k in ("eventTime", "stage", "bizStep", "where")
        )
        + "</tr>"
        for ev in [*view.get("events", []), *view.get("pending", [])]
        if isinstance(ev, dict)
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>溯源 / Trace: {e(title)}</title>"
        '<link rel="icon" href="data:,">'
        '<link rel="stylesheet" href="/static/trace/consumer.css">'
        '<script type="module" src="/static/trace/consumer.js"></script>'
        "</head>"
        f'<body data-verification="{e(path)}/verification" data-public-key="/trace/public-key">'
        '<main id="app">'
        f'<p id="proof-checking" class="card">正在浏览器中验证 / checking in your browser: '
        f"{e(title)}</p>"
        "<noscript><p>验证需要 JavaScript / the check needs JavaScript.</p>"
        "<table><thead><tr><th>时间 / time</th><th>环节 / stage</th>"
        "<th>业务步骤 / step</th><th>地点 / where</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></noscript>"
        "</main></body></html>"
    )
