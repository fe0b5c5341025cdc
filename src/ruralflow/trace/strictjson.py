"""Strict JSON at the door: I-JSON (RFC 7493) plus size and depth limits.

Everything the trace log accepts is read by :func:`loads_strict`, which refuses what JSON
parsers disagree about and what the canonical form (RFC 8785) cannot represent exactly:

- text that is not UTF-8, or starts with a byte order mark;
- ``NaN``, ``Infinity``, ``-Infinity`` (not JSON), and numbers beyond the IEEE 754 double
  range (``1e400``);
- integers beyond ``2**53`` in magnitude (not exact as a double: write identifiers and
  counts that large as strings);
- strings or member names holding a lone surrogate (``"\\ud800"``);
- an object with the same member name twice;
- nesting deeper than :data:`MAX_DEPTH` arrays/objects, documents larger than
  :data:`MAX_BYTES`.

:func:`check_ijson` applies the same value rules to an already parsed value (from an API
caller), so a document from either path is accepted or refused alike.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from ruralflow.trace.errors import TraceError

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_SAFE_INTEGER",
    "StrictJSONError",
    "check_ijson",
    "load_strict_file",
    "loads_strict",
]

MAX_BYTES = 16 * 1024 * 1024
"""Largest document accepted (16 MiB): larger batches should be split."""
MAX_DEPTH = 32
"""Deepest nesting of arrays and objects accepted (an EPCIS event needs about 6)."""
MAX_SAFE_INTEGER = 2**53


class StrictJSONError(TraceError, ValueError):
    """A document is not strict (I-JSON) JSON; the message says where and why."""


def _refuse_constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not a JSON number (I-JSON, RFC 7493)")


def _parse_float(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise StrictJSONError(f"number {text[:40]} is beyond the IEEE 754 double range")
    return x


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > 15 and abs(int(text)) > MAX_SAFE_INTEGER:
        raise StrictJSONError(
            f"integer {text[:40]} is beyond +-2**53 and not exact in JSON: write it as a string"
        )
    return int(text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise StrictJSONError(f"member name {key[:60]!r} appears twice in one object")
        out[key] = value
    return out


def loads_strict(
    data: bytes | str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """Parse strict JSON (see the module docstring); raise :class:`StrictJSONError`."""
    if isinstance(data, str):
        size = len(data.encode("utf-8", "surrogatepass"))
        text = data
    else:
        size = len(data)
        if size > max_bytes:
            raise StrictJSONError(f"document is larger than {max_bytes} bytes")
        if data.startswith(b"\xef\xbb\xbf"):
            raise StrictJSONError("document starts with a byte order mark (not allowed)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise StrictJSONError(f"document is not UTF-8 (byte {e.start})") from None
    if size > max_bytes:
        raise StrictJSONError(f"document is larger than {max_bytes} bytes")
    if text.startswith("\ufeff"):
        raise StrictJSONError("document starts with a byte order mark (not allowed)")
    try:
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_parse_float,
            parse_int=_parse_int,
            object_pairs_hook=_pairs,
        )
    except RecursionError:
        raise StrictJSONError(f"nesting is deeper than {max_depth} levels") from None
    except json.JSONDecodeError as e:
        raise StrictJSONError(f"not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    check_ijson(value, max_depth=max_depth)
    return value


def check_ijson(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a parsed value that strict JSON could not carry (raises StrictJSONError).

    Checks nesting depth, non-finite floats, integers beyond 2**53, lone surrogates and
    non-string member names, naming the path of the first offending value.
    """
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth >= max_depth:
                where = path if len(path) <= 60 else path[:57] + "..."
                raise StrictJSONError(f"{where}: nesting is deeper than {max_depth} levels")
            if isinstance(node, dict):
                for k, v in node.items():
                    if not isinstance(k, str):
                        raise StrictJSONError(f"{path}: member name {k!r} is not a string")
                    _check_string(k, f"{path}.{k[:40]}")
                    stack.append((v, f"{path}.{k[:40]}", depth + 1))
            else:
                stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node))
        elif isinstance(node, str):
            _check_string(node, path)
        elif isinstance(node, bool) or node is None:
            continue
        elif isinstance(node, int):
            if abs(node) > MAX_SAFE_INTEGER:
                raise StrictJSONError(
                    f"{path}: integer beyond +-2**53 is not exact in JSON; write it as a string"
                )
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise StrictJSONError(f"{path}: {node!r} is not a JSON number")
        else:
            raise StrictJSONError(f"{path}: {type(node).__name__} is not a JSON value")


def _check_string(s: str, path: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise StrictJSONError(f"{path}: string holds a lone surrogate (not Unicode)") from None


def load_strict_file(
    path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """Read and strictly parse a JSON file (the size is checked before reading).

    A file may start with a UTF-8 byte order mark (Windows editors write one; RFC 8259 s8.1
    lets a parser ignore it): it is dropped before parsing. A document given as bytes or text
    (an HTTP body) must not have one.
    """
    p = Path(path)
    if p.stat().st_size > max_bytes:
        raise StrictJSONError(f"document is larger than {max_bytes} bytes")
    data = p.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return loads_strict(data, max_bytes=max_bytes, max_depth=max_depth)
