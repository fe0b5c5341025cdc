"""Domain dataclasses to JSON-able values and back, driven by their type hints.

The store keeps each domain object (a place, a product, a vehicle type...) as a JSON column
beside the columns it is queried by; :func:`dump` and :func:`load` convert both ways so that
``load(type(obj), dump(obj)) == obj`` for every object a county bundle can hold.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["dump", "load"]


def dump(value: Any) -> Any:
    """A JSON-able copy of ``value`` (dataclasses as dicts, enums as values, dates ISO)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): dump(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(dump(v) for v in value)
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def load(cls: type[T], data: Any) -> T:
    """Rebuild a ``cls`` (a dataclass) from :func:`dump` output."""
    return typing.cast("T", _load(cls, data))


def _load(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return _load(members[0], data) if len(members) == 1 else data
    if tp is Any:
        return data
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        kwargs = {
            f.name: _load(hints[f.name], data[f.name])
            for f in dataclasses.fields(tp)
            if f.name in data
        }
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    if tp is dt.date:
        return dt.date.fromisoformat(data)
    if tp is float:
        return float(data)
    if origin in (tuple,):
        args = typing.get_args(tp)
        return tuple(_load(args[0], v) for v in data)
    if origin in (frozenset, set):
        (arg,) = typing.get_args(tp)
        return frozenset(_load(arg, v) for v in data)
    if origin in (Mapping, dict) or origin is typing.get_origin(Mapping[str, Any]):
        _k, v_tp = typing.get_args(tp)
        return {k: _load(v_tp, v) for k, v in data.items()}
    return data
