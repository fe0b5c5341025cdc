"""Readers for OR-Library facility-location instances, and one-call solving of an instance.

Formats and conventions follow ``shared/benchmarks/facility/README.md`` and its sub-READMEs:

* ``orlib-cap`` / ``orlib-uncap`` (``capinfo`` / ``uncapinfo``): first ``m n``; then ``m`` lines
  ``capacity fixed_cost`` (capa/capb/capc have the literal word ``capacity`` instead of a number:
  the capacity comes from the instance name, ``capa_8000`` means 8000 for every site); then for
  each customer its demand and the cost of serving *all* of its demand from each of the ``m``
  sites (wrapping over lines). Capacitated: multi-source (split) assignment, the model that
  matches the published optima. Uncapacitated: capacities ignored.
* ``orlib-pmed`` (``pmedinfo``): first ``n edges p``; then ``i j cost`` per undirected edge
  (1-based). When an edge is listed twice the later line overwrites the earlier one (taking the
  minimum gives wrong optima: pmed1 5718 instead of 5819). Distances are all-pairs shortest paths
  (``scipy.sparse.csgraph``); every vertex is a client of weight 1 and a candidate site.

Site numbers in :class:`InstanceReport` are 1-based, as in the files.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from ruralflow.siting._milp import FloatArray
from ruralflow.siting.errors import InstanceFormatError, SitingInputError
from ruralflow.siting.facility import (
    capacitated_facility_location,
    uncapacitated_facility_location,
)
from ruralflow.siting.median import p_median
from ruralflow.siting.result import SitingResult, SolverOptions

__all__ = [
    "ORLIB_FORMATS",
    "CapInstance",
    "InstanceReport",
    "PmedInstance",
    "read_cap",
    "read_pmed",
    "solve_orlib_instance",
]

OrlibFormat = Literal["orlib-cap", "orlib-uncap", "orlib-pmed"]
ORLIB_FORMATS: tuple[str, ...] = ("orlib-cap", "orlib-uncap", "orlib-pmed")

_CAP_SUFFIX = re.compile(r"^(?P<base>.+?)_(?P<cap>\d+(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class CapInstance:
    """A ``capinfo`` instance: ``cost[i, j]`` serves all of customer ``i`` from site ``j``."""

    name: str
    capacity: FloatArray
    fixed_cost: FloatArray
    demand: FloatArray
    cost: FloatArray

    @property
    def shape(self) -> tuple[int, int]:
        """``(sites, customers)`` as in the file header."""
        return int(self.fixed_cost.shape[0]), int(self.demand.shape[0])


@dataclass(frozen=True, slots=True)
class PmedInstance:
    """A ``pmedinfo`` instance: shortest-path distance matrix and the file's ``p``."""

    name: str
    distance: FloatArray
    p: int
    edges: int


def _tokens(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceFormatError(f"{path}: cannot read ({exc})") from exc


def _number(path: Path, tokens: list[str], k: int, what: str) -> float:
    if k >= len(tokens):
        raise InstanceFormatError(f"{path}: file ends early, expected {what} at token {k + 1}")
    try:
        return float(tokens[k])
    except ValueError:
        raise InstanceFormatError(
            f"{path}: expected a number for {what} at token {k + 1}, got {tokens[k]!r}"
        ) from None


def split_instance_name(name: str) -> tuple[str, float | None]:
    """``'capa_8000'`` -> ``('capa', 8000.0)``; ``'cap71'`` -> ``('cap71', None)``."""
    match = _CAP_SUFFIX.match(name)
    if match is None:
        return name, None
    return match["base"], float(match["cap"])


def read_cap(
    path: str | Path, *, capacity: float | None = None, uncapacitated: bool = False
) -> CapInstance:
    """Read a ``capinfo`` file (cap41 ... cap134, capa, capb, capc).

    ``capacity`` replaces the word ``capacity`` of capa/capb/capc (all sites get it); giving it
    for a file with numeric capacities overrides them too. The instance name is the file stem,
    with ``_<capacity>`` appended when a capacity was given (``capa_8000``). With
    ``uncapacitated=True`` (the ``uncapinfo`` reading) the word needs no value and every
    capacity is ``inf``.
    """
    p = Path(path)
    tok = _tokens(p)
    m_f = _number(p, tok, 0, "the number of sites")
    n_f = _number(p, tok, 1, "the number of customers")
    if m_f < 1 or n_f < 1 or not m_f.is_integer() or not n_f.is_integer():
        raise InstanceFormatError(f"{p}: header must be two positive integers, got {m_f} {n_f}")
    m, n = int(m_f), int(n_f)
    expected = 2 + 2 * m + n * (1 + m)
    if len(tok) != expected:
        raise InstanceFormatError(
            f"{p}: {m} sites and {n} customers need {expected} numbers, found {len(tok)}"
        )
    head = tok[2 : 2 + 2 * m]
    cap_tokens = head[0::2]
    symbolic = [t.lower() == "capacity" for t in cap_tokens]
    if uncapacitated:
        capacity = None
    if any(symbolic) and capacity is None and not uncapacitated:
        raise InstanceFormatError(
            f"{p}: capacities are the word 'capacity' (capa/capb/capc variant); give the "
            f"capacity (CLI --capacity 8000, or capacity=8000, for capa_8000)"
        )
    if uncapacitated:
        caps = np.full(m, np.inf)
    elif capacity is not None:
        if not np.isfinite(capacity) or capacity <= 0:
            raise SitingInputError(f"capacity must be > 0 (got {capacity!r})")
        caps = np.full(m, float(capacity))
    else:
        caps = np.array(
            [_number(p, tok, 2 + 2 * i, f"capacity of site {i + 1}") for i in range(m)]
        )
    fixed = np.array([_number(p, tok, 3 + 2 * i, f"fixed cost of site {i + 1}") for i in range(m)])
    try:
        body = np.array(tok[2 + 2 * m :], dtype=np.float64).reshape(n, m + 1)
    except ValueError:
        raise InstanceFormatError(f"{p}: customer blocks contain a non-number") from None
    name = p.stem if capacity is None else f"{p.stem}_{capacity:g}"
    return CapInstance(
        name=name,
        capacity=caps,
        fixed_cost=fixed,
        demand=body[:, 0].copy(),
        cost=np.ascontiguousarray(body[:, 1:]),
    )


def read_pmed(path: str | Path) -> PmedInstance:
    """Read a ``pmedinfo`` file into its all-pairs shortest-path distance matrix."""
    p = Path(path)
    tok = _tokens(p)
    if len(tok) < 3:
        raise InstanceFormatError(f"{p}: header must be 'n edges p'")
    try:
        n, e, k = (int(t) for t in tok[:3])
    except ValueError:
        raise InstanceFormatError(f"{p}: header must be three integers, got {tok[:3]}") from None
    if len(tok) != 3 + 3 * e:
        raise InstanceFormatError(f"{p}: {e} edges need {3 + 3 * e} numbers, found {len(tok)}")
    try:
        edges = np.array(tok[3:], dtype=np.float64).reshape(e, 3)
    except ValueError:
        raise InstanceFormatError(f"{p}: edge lines contain a non-number") from None
    ij = edges[:, :2].astype(np.int64) - 1
    if (ij < 0).any() or (ij >= n).any():
        raise InstanceFormatError(f"{p}: an edge names a vertex outside 1..{n}")
    if (edges[:, 2] < 0).any():
        raise InstanceFormatError(f"{p}: negative edge cost")
    lo, hi = ij.min(axis=1), ij.max(axis=1)
    loop = lo == hi
    key = lo * n + hi
    # Later lines overwrite earlier ones: keep the last occurrence of every undirected edge.
    rev = key[::-1]
    _, first_in_rev = np.unique(rev, return_index=True)
    last = (e - 1 - first_in_rev)[~loop[e - 1 - first_in_rev]]
    graph = sp.csr_matrix((edges[last, 2], (lo[last], hi[last])), shape=(n, n))
    dist = shortest_path(graph, method="D", directed=False)
    return PmedInstance(name=p.stem, distance=np.asarray(dist, dtype=np.float64), p=k, edges=e)


@dataclass(frozen=True, slots=True)
class InstanceReport:
    """One benchmark instance solved: the JSON line of ``ruralflow solve-instance``."""

    instance: str
    format: str
    result: SitingResult
    runtime_s: float

    def to_dict(self) -> dict[str, Any]:
        """``{"instance", "objective", "status", "gap", "runtime_s", "open"}`` (+ ``best_bound``).

        ``open`` lists the open sites as 1-based numbers, as in the instance file.
        """
        d = self.result.to_dict()
        return {
            "instance": self.instance,
            "objective": d["objective"],
            "status": self.result.status,
            "gap": d["gap"],
            "runtime_s": round(self.runtime_s, 4),
            "open": [j + 1 for j in self.result.open_sites],
            "best_bound": d["best_bound"],
        }

    def summary(self) -> str:
        """The result's summary headed by the instance name."""
        return f"{self.instance} ({self.format})\n{self.result.summary()}"


def _numbers(m: int) -> list[str]:
    return [str(j + 1) for j in range(m)]


def solve_orlib_instance(
    path: str | Path,
    fmt: str,
    *,
    p: int | None = None,
    capacity: float | None = None,
    options: SolverOptions | None = None,
) -> InstanceReport:
    """Read and solve one OR-Library instance; the runtime includes reading the file.

    ``fmt`` is one of :data:`ORLIB_FORMATS`. ``p`` overrides the p of a pmed file. For
    capa/capb/capc, ``capacity`` is required by ``orlib-cap`` (ignored by ``orlib-uncap``); a
    file name such as ``capa_8000.txt`` also gives it.
    """
    started = time.perf_counter()
    path = Path(path)
    if fmt not in ORLIB_FORMATS:
        raise SitingInputError(
            f"unknown format {fmt!r}; expected one of {', '.join(ORLIB_FORMATS)}"
        )
    if fmt == "orlib-pmed":
        inst = read_pmed(path)
        k = inst.p if p is None else p
        result = p_median(
            inst.distance, k, site_ids=_numbers(inst.distance.shape[1]), options=options
        )
        name = inst.name if p is None else f"{inst.name}_p{k}"
    else:
        if p is not None:
            raise SitingInputError(f"--p applies to orlib-pmed only, not {fmt}")
        _, cap_from_name = split_instance_name(path.stem)
        cap = capacity if capacity is not None else cap_from_name
        if fmt == "orlib-uncap":
            cinst = read_cap(path, uncapacitated=True)
            name = path.stem
            result = uncapacitated_facility_location(
                cinst.fixed_cost, cinst.cost, site_ids=_numbers(cinst.shape[0]), options=options
            )
        else:
            cinst = read_cap(path, capacity=cap)
            name = cinst.name if cap_from_name is None else path.stem
            result = capacitated_facility_location(
                cinst.fixed_cost,
                cinst.capacity,
                cinst.demand,
                cinst.cost,
                site_ids=_numbers(cinst.shape[0]),
                options=options,
            )
    return InstanceReport(
        instance=name, format=fmt, result=result, runtime_s=time.perf_counter() - started
    )
