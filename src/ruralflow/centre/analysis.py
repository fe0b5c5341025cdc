"""Overlap and fragmentation analysis of a policy catalogue (issue 19, item 2).

* **Overlapping policies**: two policies overlap when their bureaus differ, their purpose is
  the same, they share an applicant type and their periods intersect (both ends inclusive).
  Each pair is listed once, ids in ascending order, pairs sorted.
* **Double funding**: an applicant is double funded when two of its applications with status
  ``approved`` or ``paid`` go to different policies of the same purpose.
* **Budget** by purpose and bureau (and granted amounts: approved or paid applications).
* **Fragmentation**: for each purpose, the Herfindahl-Hirschman index (HHI) of the bureaus'
  shares of that purpose's budget, ``H = sum(s_i^2)`` with ``s_i`` bureau i's share: 1 when
  one bureau holds all the money, ``1/n`` when n bureaus hold equal parts. The report also
  gives ``1/H`` (the effective number of bureaus) and ``1 - H`` (the fragmentation; 0 = one
  bureau, towards 1 = the money split among many). The county figure is the budget-weighted
  mean HHI over purposes. ``hhi_points`` is H x 10,000, the scale antitrust guidelines use
  (U.S. DOJ/FTC Merger Guidelines). Their thresholds are not used: with two or three bureaus
  H is at least 1/3 whatever the split, so the reading is ``single`` (one bureau),
  ``dominated`` (effective bureaus below 1.5: one bureau holds most of the money, e.g. 80/20)
  or ``split`` (otherwise); the 1.5 line is an assumption (range 1.3-1.7).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ruralflow.centre.catalogue import BUREAUS, FUNDED, PURPOSES, Application, Policy

__all__ = [
    "BudgetCell",
    "CentreAnalysis",
    "DoubleFunding",
    "Fragmentation",
    "Overlap",
    "analyse",
    "budget_table",
    "double_funded",
    "fragmentation",
    "overlapping_policies",
]

#: Below this many effective bureaus a purpose is "dominated" by one (assumption, 1.3-1.7).
DOMINATED_BELOW = 1.5


@dataclass(frozen=True, slots=True)
class Overlap:
    """Two policies of different bureaus funding one purpose for a shared applicant type."""

    a: Policy
    b: Policy

    @property
    def ids(self) -> tuple[str, str]:
        return (self.a.id, self.b.id)

    def to_dict(self) -> dict[str, Any]:
        shared = sorted(set(self.a.applicant_types) & set(self.b.applicant_types))
        return {
            "policies": [self.a.id, self.b.id],
            "purpose": self.a.purpose,
            "bureaus": [self.a.bureau, self.b.bureau],
            "applicant_types": shared,
            "start": max(self.a.start, self.b.start).isoformat(),
            "end": min(self.a.end, self.b.end).isoformat(),
        }


def _overlap(a: Policy, b: Policy) -> bool:
    return (
        a.bureau != b.bureau
        and a.purpose == b.purpose
        and bool(set(a.applicant_types) & set(b.applicant_types))
        and a.start <= b.end
        and b.start <= a.end
    )


def overlapping_policies(policies: Sequence[Policy]) -> list[Overlap]:
    """Every overlapping pair once, ids ascending within a pair, pairs sorted."""
    by_purpose: dict[str, list[Policy]] = defaultdict(list)
    for p in sorted(policies, key=lambda p: p.id):
        by_purpose[p.purpose].append(p)
    out: list[Overlap] = []
    for group in by_purpose.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if _overlap(a, b):
                    out.append(Overlap(a, b))
    out.sort(key=lambda o: o.ids)
    return out


@dataclass(frozen=True, slots=True)
class DoubleFunding:
    """An applicant granted money by two or more policies of one purpose."""

    applicant: str
    purpose: str
    policies: tuple[str, ...]
    applications: tuple[str, ...]
    amount_yuan: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "applicant": self.applicant,
            "purpose": self.purpose,
            "policies": list(self.policies),
            "applications": list(self.applications),
            "amount_yuan": float(self.amount_yuan),
        }


def double_funded(applications: Sequence[Application]) -> list[DoubleFunding]:
    """Applicants with approved or paid applications to two or more different policies of
    one purpose, sorted by applicant then purpose; policies sorted."""
    groups: dict[tuple[str, str], list[Application]] = defaultdict(list)
    for a in applications:
        if a.status in FUNDED:
            groups[(a.applicant, a.purpose)].append(a)
    out: list[DoubleFunding] = []
    for (applicant, purpose), apps in sorted(groups.items()):
        policies = sorted({a.policy for a in apps})
        if len(policies) >= 2:
            out.append(
                DoubleFunding(
                    applicant,
                    purpose,
                    tuple(policies),
                    tuple(sorted(a.id for a in apps)),
                    sum((a.amount_yuan for a in apps), Decimal(0)),
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class BudgetCell:
    """The budget one bureau holds for one purpose, and what it has granted."""

    purpose: str
    bureau: str
    policies: int
    budget_yuan: Decimal
    granted_yuan: Decimal
    paid_yuan: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "bureau": self.bureau,
            "policies": self.policies,
            "budget_yuan": float(self.budget_yuan),
            "granted_yuan": float(self.granted_yuan),
            "paid_yuan": float(self.paid_yuan),
        }


def budget_table(
    policies: Sequence[Policy], applications: Sequence[Application] = ()
) -> list[BudgetCell]:
    """Budget, granted (approved + paid) and paid amounts per purpose and bureau, sorted by
    purpose (the order of :data:`PURPOSES`) then bureau."""
    bureau_of = {p.id: p.bureau for p in policies}
    budget: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    count: dict[tuple[str, str], int] = defaultdict(int)
    granted: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    paid: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for p in policies:
        budget[(p.purpose, p.bureau)] += p.budget_yuan
        count[(p.purpose, p.bureau)] += 1
    for a in applications:
        if a.status in FUNDED and a.policy in bureau_of:
            key = (a.purpose, bureau_of[a.policy])
            granted[key] += a.amount_yuan
            if a.status == "paid":
                paid[key] += a.amount_yuan
    order = {p: i for i, p in enumerate(PURPOSES)}
    return [
        BudgetCell(k[0], k[1], count[k], budget[k], granted[k], paid[k])
        for k in sorted(budget, key=lambda k: (order[k[0]], k[1]))
    ]


@dataclass(frozen=True, slots=True)
class Fragmentation:
    """The HHI of the bureaus' budget shares for one purpose."""

    purpose: str
    bureaus: int
    budget_yuan: Decimal
    hhi: float
    shares: dict[str, float]

    @property
    def effective_bureaus(self) -> float:
        return 1.0 / self.hhi

    @property
    def reading(self) -> str:
        if self.bureaus == 1:
            return "single"
        return "dominated" if self.effective_bureaus < DOMINATED_BELOW else "split"

    def to_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "bureaus": self.bureaus,
            "budget_yuan": float(self.budget_yuan),
            "hhi": round(self.hhi, 6),
            "hhi_points": round(self.hhi * 10000, 1),
            "effective_bureaus": round(self.effective_bureaus, 3),
            "fragmentation": round(1.0 - self.hhi, 6),
            "reading": self.reading,
            "shares": {b: round(s, 6) for b, s in self.shares.items()},
        }


def fragmentation(cells: Sequence[BudgetCell]) -> list[Fragmentation]:
    """Per purpose, the HHI of bureau budget shares (see the module text)."""
    by_purpose: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for c in cells:
        by_purpose[c.purpose][c.bureau] += c.budget_yuan
    out: list[Fragmentation] = []
    for purpose, bureaus in by_purpose.items():
        total = sum(bureaus.values(), Decimal(0))
        shares = {b: float(v / total) for b, v in sorted(bureaus.items())}
        hhi = float(sum((v / total) ** 2 for v in bureaus.values()))
        out.append(Fragmentation(purpose, len(bureaus), total, hhi, shares))
    return out


@dataclass(frozen=True)
class CentreAnalysis:
    """Everything ``ruralflow centre overlap`` reports."""

    policies: tuple[Policy, ...]
    applications: tuple[Application, ...]
    overlaps: tuple[Overlap, ...]
    double: tuple[DoubleFunding, ...]
    budget: tuple[BudgetCell, ...]
    fragmentation: tuple[Fragmentation, ...]

    @property
    def overall_hhi(self) -> float:
        """Budget-weighted mean HHI over purposes."""
        total = sum((f.budget_yuan for f in self.fragmentation), Decimal(0))
        if not total:
            return 1.0
        return sum(float(f.budget_yuan / total) * f.hhi for f in self.fragmentation)

    def summary(self) -> str:
        return (
            f"{len(self.policies)} 项政策：{len(self.overlaps)} 对重叠，{len(self.double)} 个重复"
            f"资助，全县 HHI {self.overall_hhi:.3f} / {len(self.policies)} policies: "
            f"{len(self.overlaps)} overlapping pairs, {len(self.double)} double funded, county "
            f"HHI {self.overall_hhi:.3f}"
        )

    def to_dict(self) -> dict[str, Any]:
        by_purpose: dict[str, Decimal] = defaultdict(Decimal)
        by_bureau: dict[str, Decimal] = defaultdict(Decimal)
        for c in self.budget:
            by_purpose[c.purpose] += c.budget_yuan
            by_bureau[c.bureau] += c.budget_yuan
        overall = self.overall_hhi
        return {
            "policies": len(self.policies),
            "applications": len(self.applications),
            "overlapping_policies": [list(o.ids) for o in self.overlaps],
            "overlaps": [o.to_dict() for o in self.overlaps],
            "double_funded": [d.to_dict() for d in self.double],
            "budget": {
                "unit": "yuan",
                "total_yuan": float(sum(by_purpose.values(), Decimal(0))),
                "by_purpose": {k: float(v) for k, v in by_purpose.items()},
                "by_bureau": {k: float(v) for k, v in sorted(by_bureau.items())},
                "by_purpose_bureau": [c.to_dict() for c in self.budget],
            },
            "fragmentation": {
                "index": "hhi_of_bureau_budget_shares",
                "definition": "HHI = sum over bureaus of (bureau budget / purpose budget)^2; "
                "1 = one bureau, 1/n = n equal bureaus; fragmentation = 1 - HHI",
                "overall_hhi": round(overall, 6),
                "overall_fragmentation": round(1.0 - overall, 6),
                "by_purpose": [f.to_dict() for f in self.fragmentation],
            },
            "labels": {
                "purposes": {p: PURPOSES[p] for p in by_purpose},
                "bureaus": {b: BUREAUS.get(b, b) for b in sorted(by_bureau)},
            },
        }


def analyse(
    policies: Sequence[Policy], applications: Sequence[Application] = ()
) -> CentreAnalysis:
    """Overlaps, double funding, the budget table and fragmentation of a catalogue."""
    cells = budget_table(policies, applications)
    return CentreAnalysis(
        tuple(policies),
        tuple(applications),
        tuple(overlapping_policies(policies)),
        tuple(double_funded(applications)),
        tuple(cells),
        tuple(fragmentation(cells)),
    )
