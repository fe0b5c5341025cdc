"""Canonical bytes of a JSON-able value: the JSON Canonicalization Scheme (RFC 8785, JCS).

A log entry is the canonical UTF-8 JSON of an event, so the same event always has the same
bytes and therefore the same leaf hash, whoever serialises it:

- objects: members sorted by their names as UTF-16 code-unit sequences, no whitespace;
- strings: UTF-8, only ``"``, ``\\`` and the controls below U+0020 are escaped (``\\b``, ``\\t``,
  ``\\n``, ``\\f``, ``\\r`` or ``\\u00xx`` in lower-case hex); every other character is written as
  itself; lone surrogates are rejected;
- numbers: serialised as ECMAScript ``Number.prototype.toString`` does for IEEE-754 doubles
  (shortest round-trip digits, ``1e+21`` style exponents, ``-0`` as ``0``); NaN and infinities
  are rejected; integers outside the exactly representable range ``|n| <= 2**53`` are rejected
  (write such identifiers as strings);
- ``True``/``False``/``None`` are ``true``/``false``/``null``; tuples are arrays; object names
  must be strings.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from ruralflow.trace.errors import TraceError

__all__ = ["CanonicalJSONError", "canonical_json"]

_MAX_SAFE_INT = 2**53
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


class CanonicalJSONError(TraceError):
    """A value cannot be written as canonical JSON (names the path inside the value)."""


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical UTF-8 JSON of ``value`` (dicts, lists, str, int, float, bool, None)."""
    parts: list[str] = []
    _write(value, parts, "$")
    return "".join(parts).encode("utf-8")


def _string(s: str, path: str) -> str:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalJSONError(f"{path}: string contains a lone surrogate") from exc
    out = ['"']
    for ch in s:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _number(x: float, path: str) -> str:
    if not math.isfinite(x):
        raise CanonicalJSONError(f"{path}: {x!r} is not a JSON number")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    parsed = Decimal(repr(abs(x))).as_tuple()  # repr gives the shortest round-trip digits
    all_digits = "".join(map(str, parsed.digits))
    digits = all_digits.rstrip("0")
    exponent = int(parsed.exponent) + len(all_digits) - len(digits)
    k = len(digits)
    n = exponent + k  # value = 0.d1d2...dk * 10**n
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mant = digits if k == 1 else digits[0] + "." + digits[1:]
        body = f"{mant}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def _write(value: Any, out: list[str], path: str) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value, path))
    elif isinstance(value, int):
        if abs(value) > _MAX_SAFE_INT:
            raise CanonicalJSONError(
                f"{path}: integer {value} is outside +-2**53 (not exact in JSON); use a string"
            )
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(_number(value, path))
    elif isinstance(value, dict):
        names = list(value)
        for name in names:
            if not isinstance(name, str):
                raise CanonicalJSONError(f"{path}: object name {name!r} is not a string")
        out.append("{")
        first = True
        for name in sorted(names, key=lambda s: s.encode("utf-16-be", "surrogatepass")):
            if not first:
                out.append(",")
            first = False
            out.append(_string(name, f"{path}.{name}"))
            out.append(":")
            _write(value[name], out, f"{path}.{name}")
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, f"{path}[{i}]")
        out.append("]")
    else:
        raise CanonicalJSONError(f"{path}: {type(value).__name__} is not JSON")
