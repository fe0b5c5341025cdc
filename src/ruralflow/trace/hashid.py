"""The EPCIS event hash ID of GS1 CBV 2.0 (section 8.9): ``ni:///sha-256;<hex>?ver=CBV2.0``.

An event's *pre-hash string* concatenates, without separators, ``key=value`` pairs in the
canonical property order below (a list's name once, then its children sorted as strings by
code point), and the ID is the SHA-256 of its UTF-8 bytes in RFC 6920 ``ni`` form:

1. ``eventType``, ``eventTime``, ``eventTimeZoneOffset``, ``certificationInfo``;
2. ``epcList``, ``parentID``, ``inputEPCList``, ``childEPCs`` (``epc=...``), then
   ``quantityList``, ``childQuantityList``, ``inputQuantityList``, ``outputEPCList``,
   ``outputQuantityList`` (each quantity element ``quantityElement`` + ``epcClass``,
   ``quantity``, ``uom``);
3. ``action``, ``transformationID``, ``bizStep``, ``disposition``, ``persistentDisposition``
   (``set``, ``unset``), ``readPoint`` and ``bizLocation`` (``id``, then their extensions);
4. ``bizTransactionList``, ``sourceList``, ``destinationList`` (each element
   ``type=...`` then its identifier);
5. ``sensorElementList``: each ``sensorElement`` = ``sensorMetadata`` fields, then each
   ``sensorReport`` (fields in the CBV order), then the element's extensions;
6. ``ilmd``, then the event's user extensions, each as ``{namespace}localName=value``
   (nested ones concatenated), sorted.

``eventID``, ``recordTime``, ``errorDeclaration`` and ``@context`` are not part of the hash
(so an event's hash ID is the same before and after an ID is assigned to it).

Values are normalised: whitespace trimmed; timestamps in UTC with millisecond precision
(``...:31.116Z``, the third decimal rounded half up); numbers without trailing zeros
(``600.0`` -> ``600``); CBV URNs and bare CBV values as GS1 Web URIs
(``shipping`` -> ``https://ref.gs1.org/cbv/BizStep-shipping``, a bare sensor type
``Temperature`` -> ``https://gs1.org/voc/Temperature``); CURIEs expanded with the event's
``@context`` prefixes; EPC URIs (``urn:epc:id:sgtin:...``, ``sscc``, ``sgln``, ``pgln``,
``giai``, ``grai``, ``gsrn``, ``gdti``, class ``lgtin``, pattern ``sgtin``) converted to
canonical GS1 Digital Link URIs; Digital Link URIs constrained to ``https://id.gs1.org``,
without query string and at their finest key qualifier.

Checked against the published examples of GS1's reference implementation
(``tests/test_trace_hashid.py``). Where that implementation's output departs from the
written order (it emits ``destinationList`` before ``sourceList``), the written CBV order is
followed. Rarer EPC schemes (``cpi``, ``sgcn``, ...) are left as they are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ruralflow.trace.errors import TraceError

__all__ = ["EventHashError", "event_fingerprint", "event_hash_id", "prehash_string"]

HASH_ID_VERSION = "CBV2.0"

_LISTS_OF_EPCS = ("epcList", "parentID", "inputEPCList", "childEPCs")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList")
_AFTER_QUANTITIES = ("outputEPCList", "outputQuantityList")
_METADATA_ORDER = (
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
)
_REPORT_ORDER = (
    "type",
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "time",
    "microorganism",
    "chemicalSubstance",
    "value",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
    "uom",
    "coordinateReferenceSystem",
)
_EXCLUDED = {"type", "eventID", "recordTime", "errorDeclaration", "@context"}
_STANDARD = {
    "eventTime",
    "eventTimeZoneOffset",
    "certificationInfo",
    *_LISTS_OF_EPCS,
    *_QUANTITY_LISTS,
    *_AFTER_QUANTITIES,
    "action",
    "transformationID",
    "bizStep",
    "disposition",
    "persistentDisposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    "sensorElementList",
    "ilmd",
}

_CBV_URN = {
    "urn:epcglobal:cbv:bizstep:": "https://ref.gs1.org/cbv/BizStep-",
    "urn:epcglobal:cbv:disp:": "https://ref.gs1.org/cbv/Disp-",
    "urn:epcglobal:cbv:btt:": "https://ref.gs1.org/cbv/BTT-",
    "urn:epcglobal:cbv:sdt:": "https://ref.gs1.org/cbv/SDT-",
    "urn:epcglobal:cbv:er:": "https://ref.gs1.org/cbv/ER-",
}
_BARE_PREFIX = {
    "bizStep": "https://ref.gs1.org/cbv/BizStep-",
    "disposition": "https://ref.gs1.org/cbv/Disp-",
    "set": "https://ref.gs1.org/cbv/Disp-",
    "unset": "https://ref.gs1.org/cbv/Disp-",
    "bizTransactionType": "https://ref.gs1.org/cbv/BTT-",
    "sourceDestType": "https://ref.gs1.org/cbv/SDT-",
    "sensorType": "https://gs1.org/voc/",
    "exception": "https://gs1.org/voc/",
}
_DEFAULT_PREFIXES = {
    "gs1": "https://gs1.org/voc/",
    "cbv": "https://ref.gs1.org/cbv/",
    "epcis": "https://ref.gs1.org/epcis/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
}
_TIME_RE = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})", re.IGNORECASE
)
_PRIMARY_AIS = {
    "00",
    "01",
    "253",
    "255",
    "401",
    "402",
    "414",
    "417",
    "8003",
    "8004",
    "8006",
    "8010",
    "8017",
    "8018",
}
_QUALIFIERS = {"01": ("21", "10", "235"), "414": ("254",), "8006": ("21", "10"), "8010": ("8011",)}


class EventHashError(TraceError):
    """An event cannot be hashed (it is not a JSON object with a type)."""


def event_hash_id(event: Mapping[str, Any], context: Any = None) -> str:
    """The CBV 2.0 event hash ID ``ni:///sha-256;<hex>?ver=CBV2.0`` of ``event``.

    ``context`` (default: the event's own ``@context``) supplies CURIE prefixes.
    """
    digest = hashlib.sha256(prehash_string(event, context).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={HASH_ID_VERSION}"


def event_fingerprint(event: Mapping[str, Any], context: Any = None) -> bytes:
    """SHA-256 of what makes an event *the same capture*: its pre-hash string plus its
    ``errorDeclaration`` (canonical JSON), so a retried capture matches and an error
    declaration of the event does not."""
    from ruralflow.trace.canonical import canonical_json

    declared = canonical_json(event.get("errorDeclaration"))
    text = prehash_string(event, context).encode("utf-8")
    return hashlib.sha256(text + b"\n" + declared).digest()


def prehash_string(event: Mapping[str, Any], context: Any = None) -> str:
    """The CBV 2.0 pre-hash string of ``event`` (see the module docstring)."""
    if not isinstance(event, Mapping) or not isinstance(event.get("type"), str):
        raise EventHashError("an EPCIS event is a JSON object with a 'type'")
    h = _Hasher(_prefixes(event.get("@context") if context is None else context))
    out = [f"eventType={event['type']}"]
    out.append(h.simple("eventTime", event))
    out.append(h.simple("eventTimeZoneOffset", event))
    out.append(h.simple("certificationInfo", event))
    for name in _LISTS_OF_EPCS:
        if name == "parentID":
            out.append(h.simple(name, event))
        else:
            out.append(h.listed(name, event.get(name), "epc"))
    for name in _QUANTITY_LISTS:
        out.append(h.quantities(name, event.get(name)))
    out.append(h.listed("outputEPCList", event.get("outputEPCList"), "epc"))
    out.append(h.quantities("outputQuantityList", event.get("outputQuantityList")))
    for name in ("action", "transformationID", "bizStep", "disposition"):
        out.append(h.simple(name, event))
    pd = event.get("persistentDisposition")
    if isinstance(pd, Mapping):
        inner = h.listed("", pd.get("set"), "set") + h.listed("", pd.get("unset"), "unset")
        out.append("persistentDisposition" + inner if inner else "")
    for name in ("readPoint", "bizLocation"):
        loc = event.get(name)
        if isinstance(loc, Mapping):
            inner = h.simple("id", loc) + h.extensions(loc, {"id"})
            out.append(name + inner if inner else "")
    for name, field, kind in (
        ("bizTransactionList", "bizTransaction", "bizTransactionType"),
        ("sourceList", "source", "sourceDestType"),
        ("destinationList", "destination", "sourceDestType"),
    ):
        out.append(h.typed_list(name, event.get(name), field, kind))
    out.append(h.sensors(event.get("sensorElementList")))
    ilmd = event.get("ilmd")
    if isinstance(ilmd, Mapping) and ilmd:
        out.append("ilmd" + h.extensions(ilmd, set()))
    out.append(h.extensions(event, _STANDARD | _EXCLUDED))
    return "".join(out)


def _prefixes(context: Any) -> dict[str, str]:
    out = dict(_DEFAULT_PREFIXES)
    items = context if isinstance(context, list) else [context]
    for item in items:
        if isinstance(item, Mapping):
            for k, v in item.items():
                if isinstance(v, str) and isinstance(k, str) and not k.startswith("@"):
                    out[k] = v
    return out


class _Hasher:
    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes

    # values -------------------------------------------------------------------

    def value(self, key: str, v: Any, kind: str = "") -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return _number(v)
        if not isinstance(v, str):
            raise EventHashError(f"{key}: {type(v).__name__} is not a simple value")
        text = v.strip()
        low = key.lower()
        if "time" in low and "offset" not in low:
            stamp = _timestamp(text)
            if stamp is not None:
                return stamp
        for urn, web in _CBV_URN.items():
            if text.startswith(urn):
                return web + text[len(urn) :]
        bare = _BARE_PREFIX.get(kind or key)
        if bare is not None and text and ":" not in text:
            return bare + text
        text = self.expand(text)
        converted = _epc_to_dl(text)
        if converted is not None:
            return converted
        return _constrain_dl(text)

    def expand(self, text: str) -> str:
        """A CURIE (``prefix:local`` with a known prefix) as its full URI."""
        head, sep, tail = text.partition(":")
        if sep and not tail.startswith("//") and head in self.prefixes:
            return self.prefixes[head] + tail
        return text

    def key_name(self, key: str) -> str:
        """``{namespace}localName`` of an extension key (a CURIE or a URI)."""
        full = self.expand(key)
        cut = max(full.rfind("/"), full.rfind("#"))
        if cut < 0 and full.startswith("urn:"):
            cut = full.rfind(":")
        if cut < 0:
            return key
        return "{" + full[: cut + 1] + "}" + full[cut + 1 :]

    # pieces -------------------------------------------------------------------

    def simple(self, key: str, obj: Mapping[str, Any], kind: str = "") -> str:
        v = obj.get(key)
        if v is None or isinstance(v, Mapping | list):
            return ""
        text = self.value(key, v, kind)
        return f"{key}={text}" if text != "" else ""

    def listed(self, name: str, items: Any, child: str) -> str:
        if items is None:
            return ""
        values = items if isinstance(items, list) else [items]
        parts = sorted(
            f"{child}={self.value(child, v)}"
            for v in values
            if not isinstance(v, Mapping | list) and v is not None
        )
        return name + "".join(parts) if parts else ""

    def quantities(self, name: str, items: Any) -> str:
        if not isinstance(items, list):
            return ""
        parts = []
        for q in items:
            if isinstance(q, Mapping):
                inner = "".join(self.simple(k, q) for k in ("epcClass", "quantity", "uom"))
                if inner:
                    parts.append("quantityElement" + inner)
        return name + "".join(sorted(parts)) if parts else ""

    def typed_list(self, name: str, items: Any, field: str, kind: str) -> str:
        if not isinstance(items, list):
            return ""
        parts = []
        for item in items:
            if isinstance(item, Mapping):
                inner = self.simple("type", item, kind) + self.simple(field, item)
                if inner:
                    parts.append(inner)
        return name + "".join(sorted(parts)) if parts else ""

    def sensors(self, items: Any) -> str:
        if not isinstance(items, list):
            return ""
        elements = []
        for el in items:
            if not isinstance(el, Mapping):
                continue
            text = ""
            meta = el.get("sensorMetadata")
            if isinstance(meta, Mapping):
                inner = "".join(self.simple(k, meta) for k in _METADATA_ORDER)
                inner += self.extensions(meta, set(_METADATA_ORDER))
                text += "sensorMetadata" + inner if inner else ""
            reports = el.get("sensorReport")
            parts = []
            for rep in reports if isinstance(reports, list) else []:
                if isinstance(rep, Mapping):
                    inner = self.simple("type", rep, "sensorType")
                    inner += "".join(self.simple(k, rep) for k in _REPORT_ORDER[1:])
                    inner += self.extensions(rep, set(_REPORT_ORDER))
                    if inner:
                        parts.append("sensorReport" + inner)
            text += "".join(sorted(parts))
            text += self.extensions(el, {"sensorMetadata", "sensorReport"})
            if text:
                elements.append("sensorElement" + text)
        return "sensorElementList" + "".join(sorted(elements)) if elements else ""

    def extensions(self, obj: Mapping[str, Any], known: set[str]) -> str:
        parts = []
        for key, v in obj.items():
            if key in known or not isinstance(key, str):
                continue
            parts.append(self.extension(key, v))
        return "".join(sorted(p for p in parts if p))

    def extension(self, key: str, v: Any) -> str:
        name = self.key_name(key)
        if isinstance(v, Mapping):
            return name + self.extensions(v, set())
        if isinstance(v, list):
            return "".join(sorted(self.extension(key, item) for item in v))
        if v is None:
            return name
        text = self.value(key, v)
        return f"{name}={text}" if text != "" else name


def _number(x: float) -> str:
    if isinstance(x, float):
        if not math.isfinite(x):
            raise EventHashError(f"{x!r} is not a JSON number")
        if x.is_integer() and abs(x) < 2**63:
            return str(int(x))
        return repr(x)
    return str(int(x))


def _timestamp(text: str) -> str | None:
    m = _TIME_RE.fullmatch(text)
    if m is None:
        return None
    base, frac, zone = m.groups()
    try:
        when = dt.datetime.fromisoformat(base + ("+00:00" if zone.upper() == "Z" else zone))
    except ValueError:
        return None
    ms = Decimal("0." + (frac or "0")).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    when = when.astimezone(dt.UTC) + dt.timedelta(milliseconds=int(ms * 1000))
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _check_digit(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _epc_to_dl(text: str) -> str | None:
    """The canonical GS1 Digital Link URI of an EPC URI (``None`` if not one we convert)."""
    m = re.fullmatch(r"urn:epc:(id|class|idpat):([a-z]+):(.+)", text)
    if m is None:
        return None
    kind, scheme, rest = m.groups()
    parts = rest.split(".")
    base = "https://id.gs1.org"
    try:
        if kind == "class" and scheme == "lgtin" and len(parts) == 3:
            cp, ir, lot = parts
            gtin = ir[0] + cp + ir[1:]
            return f"{base}/01/{gtin}{_check_digit(gtin)}/10/{lot}"
        if kind == "idpat" and scheme == "sgtin" and len(parts) == 3 and parts[2] == "*":
            cp, ir, _ = parts
            gtin = ir[0] + cp + ir[1:]
            return f"{base}/01/{gtin}{_check_digit(gtin)}"
        if kind != "id":
            return None
        if scheme == "sgtin" and len(parts) == 3:
            cp, ir, ser = parts
            gtin = ir[0] + cp + ir[1:]
            return f"{base}/01/{gtin}{_check_digit(gtin)}/21/{ser}"
        if scheme == "sscc" and len(parts) == 2:
            cp, sr = parts
            code = sr[0] + cp + sr[1:]
            return f"{base}/00/{code}{_check_digit(code)}"
        if scheme == "sgln" and len(parts) == 3:
            cp, lr, ext = parts
            gln = cp + lr
            out = f"{base}/414/{gln}{_check_digit(gln)}"
            return out if ext == "0" else f"{out}/254/{ext}"
        if scheme == "pgln" and len(parts) == 2:
            gln = parts[0] + parts[1]
            return f"{base}/417/{gln}{_check_digit(gln)}"
        if scheme == "giai" and len(parts) == 2:
            return f"{base}/8004/{parts[0]}{parts[1]}"
        if scheme == "grai" and len(parts) == 3:
            code = "0" + parts[0] + parts[1]
            return f"{base}/8003/{code}{_check_digit(code)}{parts[2]}"
        if scheme == "gsrn" and len(parts) == 2:
            code = parts[0] + parts[1]
            return f"{base}/8018/{code}{_check_digit(code)}"
        if scheme == "gdti" and len(parts) == 3:
            code = parts[0] + parts[1]
            return f"{base}/253/{code}{_check_digit(code)}{parts[2]}"
    except (IndexError, ValueError):
        return None
    return None


def _constrain_dl(text: str) -> str:
    """A GS1 Digital Link URI on ``id.gs1.org``, without query, at its finest qualifier."""
    m = re.fullmatch(r"https?://[^/?#]+((?:/[^/?#]+)+)/?(?:\?[^#]*)?(?:#.*)?", text)
    if m is None:
        return text
    segs = m.group(1).strip("/").split("/")
    for i in range(len(segs) - 1):
        ai = segs[i]
        if ai in _PRIMARY_AIS and (len(segs) - i) % 2 == 0:
            pairs = dict(zip(segs[i + 2 :: 2], segs[i + 3 :: 2], strict=False))
            out = f"https://id.gs1.org/{ai}/{segs[i + 1]}"
            for q in _QUALIFIERS.get(ai, ()):
                if q in pairs:
                    out += f"/{q}/{pairs[q]}"
                    break
            return out
    return text
