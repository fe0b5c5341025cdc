"""Validate EPCIS 2.0 JSON/JSON-LD against GS1's official schema, offline.

GS1's EPCIS 2.0 JSON schema and JSON-LD contexts ship inside the package
(``ruralflow/data/epcis``, with GS1's attribution); GS1's example documents do not (they are
test fixtures of the conformance suite). The folder holding the schema and contexts is, in
this order:

1. the ``epcis_dir`` argument;
2. ``$RURALFLOW_EPCIS_DIR``;
3. the packaged copy.

A folder counts when it holds ``EPCIS-JSON-Schema.json`` and ``epcis-context.jsonld``; a bad
explicit or environment folder raises :class:`EpcisDirError` (one line).

Documents are read strictly (I-JSON, :mod:`ruralflow.trace.strictjson`), a document's
``schemaVersion`` must be ``"2.0"``, and an in-memory document gets the same value checks, so
nothing :func:`validate_epcis` accepts can be refused later by the canonical form of the log.

Validation is JSON Schema draft-07 with format checking on (``date-time`` by
``rfc3339-validator``, ``uri`` by ``rfc3986-validator``): without format checking the
schema's closed field lists silently accept any key (see the conformance README). Each problem
names the event (index, type, eventID) and the field as a JSON pointer.

JSON-LD: :func:`expand_jsonld` expands a document with pyld and a document loader that maps
GS1's context URLs to the local copies and refuses every other URL (no network). Schema
validity does not imply JSON-LD validity (one GS1 example redefines a protected prefix), so
the JSON-LD check is separate and optional.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ruralflow.data import DataDirError, packaged_epcis_dir
from ruralflow.trace.errors import TraceError

__all__ = [
    "EPCIS_DIR_ENV",
    "EpcisDirError",
    "EpcisJsonLdError",
    "EpcisProblem",
    "EpcisReport",
    "EpcisValidationError",
    "check_epcis",
    "document_loader",
    "event_list_pointer",
    "events_of",
    "expand_jsonld",
    "find_epcis_dir",
    "load_json",
    "validate_epcis",
    "validate_epcis_file",
]

EPCIS_DIR_ENV = "RURALFLOW_EPCIS_DIR"
SCHEMA_VERSION = "2.0"
SCHEMA_FILE = "EPCIS-JSON-Schema.json"
_MARKERS = (SCHEMA_FILE, "epcis-context.jsonld")
EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)

# JSON-LD context URLs used by GS1's artefacts -> file names in the conformance folder.
_CONTEXT_FILES: dict[str, str] = {
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld": "epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld": "epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context.jsonld": "epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context-simple.jsonld": "epcis-context-simple.jsonld",
}
_CONTEXT_DIR_URL = "https://gs1.github.io/EPCIS/"


class EpcisDirError(TraceError, FileNotFoundError):
    """The EPCIS conformance folder (schema, contexts) was not found."""


class EpcisValidationError(TraceError):
    """A document is not valid EPCIS 2.0; ``report`` lists every problem."""

    def __init__(self, report: EpcisReport) -> None:
        super().__init__(report.summary())
        self.report = report


class EpcisJsonLdError(TraceError):
    """A document cannot be expanded as JSON-LD with the local contexts."""


# --------------------------------------------------------------------------- the folder


def find_epcis_dir(epcis_dir: str | os.PathLike[str] | None = None) -> Path:
    """The EPCIS folder: ``epcis_dir``, else ``$RURALFLOW_EPCIS_DIR``, else the packaged copy."""

    def checked(p: Path, origin: str) -> Path:
        missing = [m for m in _MARKERS if not (p / m).is_file()]
        if missing:
            raise EpcisDirError(
                f"EPCIS 文件夹不可用 / EPCIS folder not usable: {p} ({origin}; "
                f"expected {', '.join(_MARKERS)}; missing {', '.join(missing)})"
            )
        return p.resolve()

    if epcis_dir is not None and str(epcis_dir).strip():
        return checked(Path(epcis_dir).expanduser(), "given as an argument")
    env = os.environ.get(EPCIS_DIR_ENV, "").strip()
    if env:
        return checked(Path(env).expanduser(), f"from ${EPCIS_DIR_ENV}")
    try:
        packaged = packaged_epcis_dir()
    except DataDirError as e:
        raise EpcisDirError(str(e)) from None
    return checked(packaged, f"packaged copy; set ${EPCIS_DIR_ENV}")


@cache
def _validator(epcis_dir: Path) -> Any:
    from jsonschema import Draft7Validator, FormatChecker

    schema = json.loads((epcis_dir / SCHEMA_FILE).read_text(encoding="utf-8"))
    checker = FormatChecker()
    missing = {"uri", "date-time"} - set(checker.checkers)
    if missing:  # pragma: no cover - guarded by the project's dependencies
        raise RuntimeError(
            f"format checkers {sorted(missing)} unavailable: install rfc3986-validator and "
            "rfc3339-validator (without them the EPCIS schema accepts anything)"
        )
    return Draft7Validator(schema, format_checker=checker)


# --------------------------------------------------------------------------- documents


def load_json(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON file strictly (I-JSON, :mod:`ruralflow.trace.strictjson`).

    An unreadable file, a syntax error or a value strict JSON refuses (NaN, a duplicate
    member name, a lone surrogate, a document too large or too deep ...) becomes an
    :class:`EpcisValidationError` naming the file.
    """
    from ruralflow.trace.strictjson import StrictJSONError, load_strict_file

    p = Path(path)
    try:
        return load_strict_file(p)
    except OSError as e:
        problem = EpcisProblem("", f"cannot read the file: {e.strerror or e}", "read")
    except StrictJSONError as e:
        problem = EpcisProblem("", f"not strict JSON (I-JSON): {e}", "json")
    raise EpcisValidationError(EpcisReport(str(p), "", 0, (problem,))) from None


def event_list_pointer(doc: Mapping[str, Any]) -> str | None:
    """JSON pointer of the event list of a document (``None`` for a bare event)."""
    kind = doc.get("type")
    if kind == "EPCISDocument":
        return "/epcisBody/eventList"
    if kind == "EPCISQueryDocument":
        return "/epcisBody/queryResults/resultsBody/eventList"
    return None


def events_of(doc: Any) -> list[dict[str, Any]]:
    """The events of an EPCISDocument, an EPCISQueryDocument, or a bare event (as a list)."""
    if not isinstance(doc, dict):
        return []
    ptr = event_list_pointer(doc)
    if ptr is None:
        return [doc] if isinstance(doc.get("type"), str) else []
    node: Any = doc
    for part in ptr.strip("/").split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    return [e for e in node if isinstance(e, dict)] if isinstance(node, list) else []


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True, slots=True)
class EpcisProblem:
    """One schema violation: ``pointer`` to the field, ``message``, the JSON Schema keyword,
    and the event it is in (``event_index`` in the event list, its type and eventID)."""

    pointer: str
    message: str
    keyword: str
    event_index: int | None = None
    event_type: str | None = None
    event_id: str | None = None

    def where(self) -> str:
        """``event 3 (ObjectEvent urn:uuid:...)`` or ``document``."""
        if self.event_index is None:
            return "document"
        label = self.event_type or "event without type"
        if self.event_id:
            label += f" {self.event_id}"
        return f"event {self.event_index} ({label})"

    def describe(self) -> str:
        """One line naming the event, the field (JSON pointer) and what is wrong."""
        return f"{self.where()}, field {self.pointer or '/'}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "message": self.message,
            "keyword": self.keyword,
            "event_index": self.event_index,
            "event_type": self.event_type,
            "event_id": self.event_id,
        }


@dataclass(frozen=True, slots=True)
class EpcisReport:
    """Result of validating one document (or bare event)."""

    source: str
    kind: str
    n_events: int
    problems: tuple[EpcisProblem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """Multi-line text: a verdict line, then one line per problem."""
        name = self.source or "document"
        if self.ok:
            return f"{name}: valid EPCIS 2.0 {self.kind} ({self.n_events} events)"
        lines = [f"{name}: NOT valid EPCIS 2.0 ({len(self.problems)} problems)"]
        lines += [f"  {p.describe()}" for p in self.problems]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "valid": self.ok,
            "n_events": self.n_events,
            "problems": [p.to_dict() for p in self.problems],
        }


def _escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _leaves(error: Any) -> Iterator[Any]:
    """The most specific sub-errors of an ``anyOf``/``oneOf`` error (GS1's best match)."""
    from jsonschema.exceptions import best_match

    if error.context:
        # prefer sub-errors inside the object (a wrong field) over "one of these is missing"
        deeper = [c for c in error.context if len(c.absolute_path) > len(error.absolute_path)]
        best = best_match(deeper or error.context)
        if best is not None and (
            list(best.absolute_path) != list(error.absolute_path)
            or best.validator not in ("anyOf", "oneOf")
        ):
            yield from _leaves(best)
            return
    yield error


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _problem(error: Any, doc: Any, list_ptr: str | None) -> EpcisProblem:
    path = list(error.absolute_path)
    pointer = "".join("/" + _escape(p) for p in path)
    keyword = str(error.validator)
    message = str(error.message)
    schema_path = [str(s) for s in error.absolute_schema_path]
    if keyword == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        if missing:
            pointer += "/" + _escape(missing[0])
            message = f"required field {missing[0]!r} is missing"
    elif "propertyNames" in schema_path and isinstance(error.instance, str):
        pointer += "/" + _escape(error.instance)
        keyword = "propertyNames"
        message = (
            f"field {error.instance!r} is not allowed here (not an EPCIS field of this object, "
            "and extension fields must be namespaced: a URI or CURIE such as 'rf:grade')"
        )
    elif keyword == "pattern" and "(?!" in str(error.validator_value):
        message = (
            f"{_short(error.instance)} is a CBV URN or GS1 vocabulary URI: EPCIS 2.0 JSON needs "
            "the bare CBV value (for example 'shipping') or a non-GS1 URI"
        )
    elif keyword in ("type", "format", "enum", "pattern", "const"):
        message = f"{_short(error.instance)} {_after_instance(message, error.instance)}"
    elif len(message) > 300:
        message = message[:297] + "..."
    idx: int | None = None
    etype: str | None = None
    eid: str | None = None
    event: Any = None
    if list_ptr is None:
        if isinstance(doc, dict) and doc.get("type") not in ("EPCISDocument",):
            idx, event = 0, doc
    else:
        prefix = [p for p in list_ptr.strip("/").split("/")]
        if len(path) > len(prefix) and [str(p) for p in path[: len(prefix)]] == prefix:
            maybe = path[len(prefix)]
            if isinstance(maybe, int):
                idx = maybe
                events = events_of(doc)
                event = events[idx] if idx < len(events) else None
    if isinstance(event, dict):
        t, i = event.get("type"), event.get("eventID")
        etype = t if isinstance(t, str) else None
        eid = i if isinstance(i, str) else None
    return EpcisProblem(pointer, message, keyword, idx, etype, eid)


def _after_instance(message: str, instance: Any) -> str:
    """The part of a jsonschema message after its leading ``repr(instance)``."""
    head = repr(instance)
    return message[len(head) :].strip() if message.startswith(head) else message


def validate_epcis(
    doc: Any,
    *,
    epcis_dir: str | os.PathLike[str] | None = None,
    source: str = "",
    max_problems: int = 50,
) -> EpcisReport:
    """Validate ``doc`` (a parsed EPCISDocument, EPCISQueryDocument or bare event)."""
    from ruralflow.trace.strictjson import StrictJSONError, check_ijson

    validator = _validator(find_epcis_dir(epcis_dir))
    list_ptr = event_list_pointer(doc) if isinstance(doc, dict) else None
    problems: list[EpcisProblem] = []
    try:
        check_ijson(doc)
    except StrictJSONError as e:
        kind = type(doc).__name__
        problem = EpcisProblem("", f"not strict JSON (I-JSON): {e}", "ijson")
        return EpcisReport(source, kind, 0, (problem,))
    if (
        isinstance(doc, dict)
        and doc.get("type") in ("EPCISDocument", "EPCISQueryDocument")
        and "schemaVersion" in doc
        and doc["schemaVersion"] != SCHEMA_VERSION
    ):
        problems.append(
            EpcisProblem(
                "/schemaVersion",
                f"{_short(doc['schemaVersion'])} is not {SCHEMA_VERSION!r}: only EPCIS "
                f"{SCHEMA_VERSION} documents are accepted",
                "const",
            )
        )
    seen: set[tuple[str, str]] = set()
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    for err in errors:
        for leaf in _leaves(err):
            p = _problem(leaf, doc, list_ptr)
            if (p.pointer, p.message) in seen:
                continue
            seen.add((p.pointer, p.message))
            problems.append(p)
        if len(problems) >= max_problems:
            break
    if not problems:
        problems.extend(_conflicting_ids(doc, list_ptr))
    kind = str(doc.get("type", "")) if isinstance(doc, dict) else type(doc).__name__
    return EpcisReport(source, kind, len(events_of(doc)), tuple(problems[:max_problems]))


def _conflicting_ids(doc: Any, list_ptr: str | None) -> list[EpcisProblem]:
    """Events of one document that share an ``eventID`` but are different events (the log
    would refuse the second one, so validation refuses it too)."""
    from ruralflow.trace.hashid import event_fingerprint

    context = doc.get("@context") if isinstance(doc, dict) else None
    seen: dict[str, tuple[int, bytes]] = {}
    out = []
    for i, event in enumerate(events_of(doc)):
        eid = event.get("eventID")
        if not isinstance(eid, str):
            continue
        try:
            digest = event_fingerprint(event, event.get("@context", context))
        except TraceError:
            continue  # not hashable as an event: the schema problems say why
        if eid in seen and seen[eid][1] != digest:
            out.append(
                EpcisProblem(
                    f"{list_ptr or ''}/{i}/eventID" if list_ptr else "/eventID",
                    f"eventID {eid!r} is already used by event {seen[eid][0]} for a "
                    "different event",
                    "uniqueEventID",
                    i,
                    event.get("type") if isinstance(event.get("type"), str) else None,
                    eid,
                )
            )
        seen.setdefault(eid, (i, digest))
    return out


def validate_epcis_file(
    path: str | os.PathLike[str], *, epcis_dir: str | os.PathLike[str] | None = None
) -> EpcisReport:
    """Read and validate one file (a JSON syntax error is reported as a problem)."""
    try:
        doc = load_json(path)
    except EpcisValidationError as e:
        return e.report
    return validate_epcis(doc, epcis_dir=epcis_dir, source=str(path))


def check_epcis(
    doc: Any, *, epcis_dir: str | os.PathLike[str] | None = None, source: str = ""
) -> None:
    """Raise :class:`EpcisValidationError` unless ``doc`` is valid EPCIS 2.0."""
    report = validate_epcis(doc, epcis_dir=epcis_dir, source=source)
    if not report.ok:
        raise EpcisValidationError(report)


# --------------------------------------------------------------------------- JSON-LD


def document_loader(
    epcis_dir: str | os.PathLike[str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Callable[..., dict[str, Any]]:
    """A pyld document loader serving GS1's contexts from local files and nothing else.

    ``extra`` maps further URLs to already parsed documents (for tests or private contexts).
    Any other URL raises: expansion never touches the network.
    """
    from pyld import jsonld  # type: ignore[import-untyped]

    root = find_epcis_dir(epcis_dir)
    loaded: dict[str, Any] = {}
    extras = dict(extra or {})

    def load(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        if url in extras:
            document = extras[url]
        else:
            name = _CONTEXT_FILES.get(url)
            if name is None and url.startswith(_CONTEXT_DIR_URL):
                cand = url[len(_CONTEXT_DIR_URL) :]
                if "/" not in cand and (root / "JSON-LD-Context" / cand).is_file():
                    name = f"JSON-LD-Context/{cand}"
            if name is None:
                raise jsonld.JsonLdError(
                    f"no local copy of {url} (network access is disabled)",
                    "jsonld.LoadDocumentError",
                    {"url": url},
                    code="loading document failed",
                )
            if name not in loaded:
                loaded[name] = json.loads((root / name).read_text(encoding="utf-8"))
            document = loaded[name]
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
        }

    return load


def expand_jsonld(
    doc: Any,
    *,
    epcis_dir: str | os.PathLike[str] | None = None,
    loader: Callable[..., dict[str, Any]] | None = None,
) -> list[Any]:
    """JSON-LD expansion of ``doc`` with local contexts; :class:`EpcisJsonLdError` if invalid."""
    from pyld import jsonld

    try:
        out = jsonld.expand(doc, {"documentLoader": loader or document_loader(epcis_dir)})
    except jsonld.JsonLdError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise EpcisJsonLdError(f"not valid JSON-LD: {first}") from None
    return list(out)
