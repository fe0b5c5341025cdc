"""Shared pieces of the routing benchmark readers: errors, a TSPLIB-like tokenizer, exact
integer scaling for PyVRP, the solver options and the result object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ruralflow.domain.errors import DomainError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Largest value we let PyVRP see in one matrix entry, load or time (PyVRP uses int64; sums of
#: a few thousand such values must stay far from overflow).
MAX_SCALED = 10**12


class RoutingBenchmarkError(DomainError):
    """Base class of every error raised by the routing benchmark readers and solvers."""


class RoutingInstanceError(RoutingBenchmarkError):
    """An instance file does not follow its format, or describes an instance with no solution.

    The message names the file and, where there is one, the line.
    """


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A TSPLIB-like file split into header fields and sections.

    ``header`` maps upper-case keys to their raw values; ``sections`` maps upper-case section
    names to their data lines as ``(line number, tokens)``.
    """

    path: Path
    header: dict[str, str]
    sections: dict[str, list[tuple[int, list[str]]]]

    def error(self, message: str, line: int | None = None) -> RoutingInstanceError:
        where = f"{self.path}" if line is None else f"{self.path}, line {line}"
        return RoutingInstanceError(f"{where}: {message}")

    def int_field(self, key: str, *, required: bool = True) -> int | None:
        raw = self.header.get(key)
        if raw is None or raw == "":
            if required:
                raise self.error(f"missing header field {key}")
            return None
        try:
            value = float(raw)
        except ValueError:
            raise self.error(f"header field {key} is not a number (got {raw!r})") from None
        if not value.is_integer():
            raise self.error(f"header field {key} must be an integer (got {raw!r})")
        return int(value)

    def float_field(self, key: str) -> float | None:
        raw = self.header.get(key)
        if raw is None or raw == "":
            return None
        try:
            value = float(raw)
        except ValueError:
            raise self.error(f"header field {key} is not a number (got {raw!r})") from None
        if not math.isfinite(value):
            raise self.error(f"header field {key} must be finite (got {raw!r})")
        return value

    def section(self, name: str) -> list[tuple[int, list[str]]]:
        rows = self.sections.get(name)
        if rows is None:
            raise self.error(f"missing {name}")
        return rows

    def node_table(
        self, name: str, dim: int, columns: int, *, first_columns_only: bool = False
    ) -> FloatArray:
        """Rows ``id v1 .. v<columns>`` of a section as a ``(dim, columns)`` array by id 1..dim.

        Every id must appear exactly once. With ``first_columns_only`` extra columns are
        allowed (and ignored).
        """
        out = np.full((dim, columns), np.nan)
        seen: set[int] = set()
        for line, tokens in self.section(name):
            if len(tokens) < columns + 1 or (
                not first_columns_only and len(tokens) != columns + 1
            ):
                raise self.error(
                    f"{name}: expected {columns + 1} values (id and {columns}), got {len(tokens)}",
                    line,
                )
            try:
                node = int(tokens[0])
                values = [float(t) for t in tokens[1 : columns + 1]]
            except ValueError:
                raise self.error(f"{name}: not a number in {' '.join(tokens)!r}", line) from None
            if not 1 <= node <= dim:
                raise self.error(f"{name}: node id {node} outside 1..{dim}", line)
            if node in seen:
                raise self.error(f"{name}: node id {node} appears twice", line)
            if not all(math.isfinite(v) for v in values):
                raise self.error(f"{name}: value not finite in {' '.join(tokens)!r}", line)
            seen.add(node)
            out[node - 1] = values
        if len(seen) != dim:
            missing = sorted(set(range(1, dim + 1)) - seen)
            raise self.error(
                f"{name}: {dim - len(seen)} of {dim} nodes missing (first: {missing[:5]})"
            )
        return out


def parse_tsplib(path: str | Path) -> ParsedFile:
    """Split a TSPLIB-like file into header fields (``KEY : value``) and sections.

    A line whose first token ends with ``_SECTION`` starts a section; ``EOF`` ends the file.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RoutingInstanceError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise RoutingInstanceError(f"{p}: cannot read ({e})") from None
    header: dict[str, str] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        first = line.split()[0].rstrip(":").upper()
        if first == "EOF":
            break
        if first.endswith("_SECTION"):
            current = first
            if current in sections:
                raise RoutingInstanceError(f"{p}, line {number}: {current} appears twice")
            sections[current] = []
            rest = line.split()[1:]
            if rest and rest != [":"]:
                sections[current].append((number, rest))
            continue
        if line[0].isalpha() and ":" in line:
            key, value = line.split(":", 1)
            header[key.strip().upper()] = value.strip()
            current = None
            continue
        if current is None:
            raise RoutingInstanceError(f"{p}, line {number}: data outside any section: {line!r}")
        sections[current].append((number, line.split()))
    return ParsedFile(p, header, sections)


@dataclass(frozen=True, slots=True)
class Scaled:
    """Values multiplied by ``scale`` and made integers; ``exact`` when nothing was rounded."""

    values: IntArray
    scale: int
    exact: bool


def scale_exact(values: FloatArray, max_decimals: int, *, mode: str = "round") -> Scaled:
    """Scale by the smallest power of ten (up to ``10**max_decimals``) that makes every value
    an integer. When none does, scale by ``10**max_decimals`` and round (``mode="round"``),
    round up (``"ceil"``) or down (``"floor"``): the caller picks the direction that keeps a
    constraint safe.
    """
    v = np.asarray(values, dtype=np.float64)
    for k in range(max_decimals + 1):
        s = 10**k
        x = v * s
        r = np.rint(x)
        # tolerance relative to magnitude: a decimal written with k digits parses to a float
        # within a few ulps of the decimal value.
        if np.all(np.abs(x - r) <= 1e-9 * np.maximum(1.0, np.abs(x))):
            return Scaled(_checked_int(r), s, True)
    s = 10**max_decimals
    x = v * s
    if mode == "ceil":
        r = np.ceil(x - 1e-9 * np.maximum(1.0, np.abs(x)))
    elif mode == "floor":
        r = np.floor(x + 1e-9 * np.maximum(1.0, np.abs(x)))
    else:
        r = np.rint(x)
    return Scaled(_checked_int(r), s, False)


def scale_by(values: FloatArray, scale: int, *, mode: str = "round") -> IntArray:
    """``values * scale`` as integers, rounded (``round``), up (``ceil``) or down (``floor``);
    values that are integers after scaling (to within float noise) are kept exactly."""
    x = np.asarray(values, dtype=np.float64) * scale
    r = np.rint(x)
    near = np.abs(x - r) <= 1e-9 * np.maximum(1.0, np.abs(x))
    if mode == "ceil":
        r = np.where(near, r, np.ceil(x))
    elif mode == "floor":
        r = np.where(near, r, np.floor(x))
    return _checked_int(r)


def _checked_int(x: FloatArray) -> IntArray:
    if x.size and float(np.max(np.abs(x))) > MAX_SCALED:
        raise RoutingBenchmarkError(
            f"scaled value {float(np.max(np.abs(x))):.3g} exceeds {MAX_SCALED:.0e}: "
            "instance numbers too large for integer scaling"
        )
    return x.astype(np.int64)


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """How an instance is solved.

    ``time_limit`` is the wall-clock budget in seconds for the whole call (reading, building,
    solving, checking); ``workers`` independent PyVRP searches run in parallel processes with
    seeds derived from ``seed`` (worker 0 uses ``seed`` itself) and the best is kept;
    ``max_iterations`` optionally caps each search's iterations, which makes the result
    independent of machine speed (a run stopped only by the clock depends on how many
    iterations fitted).
    """

    time_limit: float = 10.0
    seed: int = 0
    workers: int = 2
    max_iterations: int | None = None

    def __post_init__(self) -> None:
        if not (self.time_limit > 0 and math.isfinite(self.time_limit)):
            raise RoutingBenchmarkError(
                f"time_limit must be a positive number of seconds (got {self.time_limit!r})"
            )
        if not 0 <= self.seed < 2**32:
            raise RoutingBenchmarkError(f"seed must be in 0..2**32-1 (got {self.seed!r})")
        if self.workers < 1:
            raise RoutingBenchmarkError(f"workers must be >= 1 (got {self.workers!r})")
        if self.max_iterations is not None and self.max_iterations < 1:
            raise RoutingBenchmarkError(
                f"max_iterations must be >= 1 (got {self.max_iterations!r})"
            )


@dataclass(frozen=True, slots=True)
class InstanceResult:
    """The solution of one benchmark instance.

    ``routes`` list customers by their node ids in the file (depot excluded); ``cost`` is in
    the units of the family's ``bks.csv``, recomputed by our own evaluation from the file's
    unscaled data; ``feasible`` is our own check and ``violations`` says what failed.
    """

    instance: str
    format: str
    family: str
    cost: float
    routes: list[list[int]]
    feasible: bool
    runtime_s: float
    violations: list[str] = field(default_factory=list)
    solver_cost: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "cost": round(self.cost, 6),
            "routes": [list(r) for r in self.routes],
            "feasible": self.feasible,
            "runtime_s": round(self.runtime_s, 3),
        }

    def summary(self) -> str:
        state = "feasible" if self.feasible else "INFEASIBLE: " + "; ".join(self.violations[:3])
        return (
            f"{self.instance} ({self.family}): cost {self.cost:.4f}, {len(self.routes)} routes, "
            f"{state}, {self.runtime_s:.1f} s"
        )
