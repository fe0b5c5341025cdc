"""The policy catalogue of the county service centre (issue 19, item 1).

A :class:`Policy` is one support line of one bureau: what it funds (``purpose``), who may apply
(applicant types and optional attribute rules), how much one application may get
(``amount_yuan``), the budget and the period, the documents needed. An :class:`Applicant` is
a farmer, cooperative, enterprise or station with attributes; :func:`eligibility` says which
policies it may apply for and, for the others, why not. An :class:`Application` is one request
of one applicant to one policy, with its status (``submitted``, ``reviewing``, ``approved``,
``rejected``, ``paid``).

Every object checks its fields when built and raises :class:`~ruralflow.domain.FieldError`
naming the field and the value, so a bundle reader can add file, row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ruralflow.domain import FieldError

__all__ = [
    "APPLICANT_TYPES",
    "BUREAUS",
    "DECIDED",
    "FUNDED",
    "PURPOSES",
    "RULE_OPS",
    "STATUSES",
    "TRANSITIONS",
    "Applicant",
    "Application",
    "Eligibility",
    "Policy",
    "Rule",
    "check_application",
    "eligibility",
    "eligible_policies",
    "parse_yuan",
]

#: Who may apply, with labels (Simplified Chinese first).
APPLICANT_TYPES: dict[str, str] = {
    "farmer": "农户 / farmer (household, family farm)",
    "cooperative": "合作社 / cooperative",
    "enterprise": "企业 / enterprise",
    "station": "村级服务站 / village or township station",
}

#: What a policy funds. A fixed list, so that two bureaus' lines for the same thing meet in the
#: overlap analysis (a free-text purpose with a typo would silently never overlap).
PURPOSES: dict[str, str] = {
    "logistics": "县乡村物流配送 / county-township-village logistics",
    "cold_chain": "冷链与产地冷藏保鲜 / cold chain and farm-gate cold storage",
    "station": "村级服务站点建设 / village service stations",
    "training": "电商与技能培训 / e-commerce and skills training",
    "brand": "品牌培育与认证 / brands, GI and certification",
    "marketing": "营销推广与展会 / marketing, fairs and live streaming",
    "processing": "产地加工与分级包装 / farm-gate processing, grading, packing",
    "public_service": "公共服务中心运营 / public service centre operation",
    "digital": "信息化与数据服务 / digital systems and data",
    "finance": "贷款贴息与保险 / loan interest subsidies and insurance",
}

#: Known bureaus and their labels; other bureau ids are allowed and shown as given.
BUREAUS: dict[str, str] = {
    "commerce": "商务局 / commerce bureau",
    "agriculture": "农业农村局 / agriculture and rural affairs bureau",
    "transport": "交通运输局 / transport bureau",
    "postal": "邮政管理局 / postal administration",
    "finance": "财政局 / finance bureau",
    "human_resources": "人力资源和社会保障局 / human resources bureau",
    "rural_revitalization": "乡村振兴局 / rural revitalisation bureau",
    "supply_marketing": "供销合作社 / supply and marketing cooperative",
}

STATUSES = ("submitted", "reviewing", "approved", "rejected", "paid")
#: Statuses that mean money was granted (the double-funding test counts these).
FUNDED = frozenset({"approved", "paid"})
#: Statuses that are a bureau's decision (recorded with who and when).
DECIDED = frozenset({"approved", "rejected", "paid"})
#: The allowed moves of an application's status (one-stop window workflow).
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"reviewing", "approved", "rejected"}),
    "reviewing": frozenset({"approved", "rejected"}),
    "approved": frozenset({"paid"}),
    "rejected": frozenset(),
    "paid": frozenset(),
}

RULE_OPS = ("=", "!=", ">=", "<=", ">", "<", "in")
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _check_id(owner: str, name: str, value: Any) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise FieldError(owner, name, value, "须为 1-64 个字母、数字或 _ . : - / must be an id")
    return value


def parse_yuan(text: str) -> Decimal:
    """A money amount in yuan from text (exact); ``ValueError`` if not a finite number."""
    try:
        d = Decimal(text.strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        raise ValueError(f"not a number: {text!r}") from None
    if not d.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    return d


def _yuan(owner: str, name: str, value: Any, *, positive: bool) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise FieldError(owner, name, value, "须为数字 / must be a number")
    if value < 0 or (positive and value == 0):
        need = "> 0" if positive else ">= 0"
        raise FieldError(owner, name, value, f"须 {need} 元 / must be {need} yuan")
    if value != value.quantize(Decimal("0.01")):
        raise FieldError(owner, name, value, "至多精确到分 / has more than 2 decimals (fen)")
    return value


@dataclass(frozen=True, slots=True)
class Rule:
    """An attribute condition: ``attribute op value`` (``in``: value is ``a|b|c``), for the
    applicants of type ``applicant_type`` only (empty: every applicant).

    Numbers compare as numbers when both sides are numbers, else as text (``=``, ``!=``,
    ``in`` only).
    """

    attribute: str
    op: str
    value: str
    applicant_type: str = ""

    def __post_init__(self) -> None:
        owner = f"Rule {self.attribute!r}"
        _check_id(owner, "attribute", self.attribute)
        if self.applicant_type and self.applicant_type not in APPLICANT_TYPES:
            raise FieldError(
                owner,
                "applicant_type",
                self.applicant_type,
                "不是已知申请人类型 / is not an applicant type ("
                + ", ".join(APPLICANT_TYPES)
                + ")",
            )
        if self.op not in RULE_OPS:
            raise FieldError(owner, "op", self.op, f"须为 / must be one of {' '.join(RULE_OPS)}")
        if not isinstance(self.value, str) or not self.value.strip():
            raise FieldError(owner, "value", self.value, "为空 / is empty")
        if self.op in (">=", "<=", ">", "<"):
            try:
                parse_yuan(self.value)
            except ValueError:
                raise FieldError(
                    owner, "value", self.value, "比较须为数字 / must be a number for " + self.op
                ) from None

    def applies_to(self, applicant_type: str) -> bool:
        return not self.applicant_type or self.applicant_type == applicant_type

    def holds(self, attrs: Mapping[str, str]) -> bool:
        got = attrs.get(self.attribute)
        if got is None:
            return False
        if self.op == "in":
            return got.strip() in {v.strip() for v in self.value.split("|")}
        if self.op in ("=", "!="):
            try:
                same = parse_yuan(got) == parse_yuan(self.value)
            except ValueError:
                same = got.strip() == self.value.strip()
            return same if self.op == "=" else not same
        try:
            a, b = parse_yuan(got), parse_yuan(self.value)
        except ValueError:
            return False
        return {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}[self.op]

    def __str__(self) -> str:
        who = f"{self.applicant_type}: " if self.applicant_type else ""
        return f"{who}{self.attribute} {self.op} {self.value}"


@dataclass(frozen=True, slots=True)
class Policy:
    """One support line of one bureau (a row of ``policies.csv``)."""

    id: str
    bureau: str
    name: str
    purpose: str
    applicant_types: tuple[str, ...]
    #: the most one application may be granted, yuan
    amount_yuan: Decimal
    #: the line's budget for the period, yuan
    budget_yuan: Decimal
    start: dt.date
    end: dt.date
    documents: tuple[str, ...] = ()
    #: attribute conditions an applicant must meet besides its type (all of them)
    rules: tuple[Rule, ...] = ()

    def __post_init__(self) -> None:
        owner = f"Policy {self.id!r}"
        _check_id(owner, "id", self.id)
        _check_id(owner, "bureau", self.bureau)
        if not isinstance(self.name, str) or not self.name.strip():
            raise FieldError(owner, "name", self.name, "为空 / is empty")
        if self.purpose not in PURPOSES:
            raise FieldError(
                owner,
                "purpose",
                self.purpose,
                "不是已知用途 / is not a known purpose (" + ", ".join(PURPOSES) + ")",
            )
        types = tuple(self.applicant_types)
        if not types:
            raise FieldError(owner, "applicant_types", "", "为空 / is empty")
        for t in types:
            if t not in APPLICANT_TYPES:
                raise FieldError(
                    owner,
                    "applicant_types",
                    t,
                    f"{t!r} 不是已知申请人类型 / {t!r} is not an applicant type ("
                    + ", ".join(APPLICANT_TYPES)
                    + ")",
                )
        if len(set(types)) != len(types):
            raise FieldError(owner, "applicant_types", ";".join(types), "有重复 / repeats a type")
        object.__setattr__(self, "applicant_types", tuple(sorted(types)))
        _yuan(owner, "amount_yuan", self.amount_yuan, positive=True)
        _yuan(owner, "budget_yuan", self.budget_yuan, positive=True)
        if self.amount_yuan > self.budget_yuan:
            raise FieldError(
                owner,
                "amount_yuan",
                self.amount_yuan,
                f"大于预算 {self.budget_yuan} 元 / exceeds the budget {self.budget_yuan} yuan",
            )
        for name in ("start", "end"):
            if not isinstance(getattr(self, name), dt.date):
                raise FieldError(owner, name, getattr(self, name), "须为日期 / must be a date")
        if self.end < self.start:
            raise FieldError(
                owner, "end", self.end, f"早于开始日 {self.start} / is before start {self.start}"
            )
        object.__setattr__(self, "documents", tuple(d.strip() for d in self.documents))
        object.__setattr__(self, "rules", tuple(self.rules))

    def open_on(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "bureau": self.bureau,
            "bureau_label": BUREAUS.get(self.bureau, self.bureau),
            "name": self.name,
            "purpose": self.purpose,
            "purpose_label": PURPOSES[self.purpose],
            "applicant_types": list(self.applicant_types),
            "amount_yuan": float(self.amount_yuan),
            "budget_yuan": float(self.budget_yuan),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "documents": list(self.documents),
            "rules": [str(r) for r in self.rules],
        }


@dataclass(frozen=True, slots=True)
class Applicant:
    """Who applies: an id, a type and attributes (e.g. ``village``, ``members``, ``certified``)."""

    id: str
    type: str
    name: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        owner = f"Applicant {self.id!r}"
        _check_id(owner, "id", self.id)
        if self.type not in APPLICANT_TYPES:
            raise FieldError(
                owner,
                "type",
                self.type,
                "不是已知申请人类型 / is not an applicant type ("
                + ", ".join(APPLICANT_TYPES)
                + ")",
            )
        for k in self.attributes:
            _check_id(owner, "attributes", k)
        object.__setattr__(self, "attributes", dict(self.attributes))


@dataclass(frozen=True, slots=True)
class Application:
    """One application of one applicant to one policy (a row of ``applications.csv``)."""

    id: str
    applicant: str
    applicant_type: str
    policy: str
    purpose: str
    amount_yuan: Decimal
    status: str
    #: the day it was submitted
    day: dt.date

    def __post_init__(self) -> None:
        owner = f"Application {self.id!r}"
        _check_id(owner, "id", self.id)
        _check_id(owner, "applicant", self.applicant)
        _check_id(owner, "policy", self.policy)
        if self.applicant_type not in APPLICANT_TYPES:
            raise FieldError(
                owner,
                "applicant_type",
                self.applicant_type,
                "不是已知申请人类型 / is not an applicant type ("
                + ", ".join(APPLICANT_TYPES)
                + ")",
            )
        if self.purpose not in PURPOSES:
            raise FieldError(
                owner, "purpose", self.purpose, "不是已知用途 / is not a known purpose"
            )
        _yuan(owner, "amount_yuan", self.amount_yuan, positive=True)
        if self.status not in STATUSES:
            raise FieldError(
                owner, "status", self.status, "须为 / must be one of " + ", ".join(STATUSES)
            )
        if not isinstance(self.day, dt.date):
            raise FieldError(owner, "day", self.day, "须为日期 / must be a date")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "applicant": self.applicant,
            "applicant_type": self.applicant_type,
            "policy": self.policy,
            "purpose": self.purpose,
            "amount_yuan": float(self.amount_yuan),
            "status": self.status,
            "day": self.day.isoformat(),
        }


def check_application(app: Application, policy: Policy) -> list[tuple[str, Any, str]]:
    """What is inconsistent between ``app`` and its ``policy``: ``(field, value, message)``."""
    out: list[tuple[str, Any, str]] = []
    if app.purpose != policy.purpose:
        out.append(
            (
                "purpose",
                app.purpose,
                f"与政策 {policy.id} 的用途 {policy.purpose} 不符 / differs from the purpose "
                f"{policy.purpose} of policy {policy.id}",
            )
        )
    if app.applicant_type not in policy.applicant_types:
        out.append(
            (
                "applicant_type",
                app.applicant_type,
                f"政策 {policy.id} 不受理该类申请人 / policy {policy.id} does not take this "
                f"applicant type ({';'.join(policy.applicant_types)})",
            )
        )
    if app.amount_yuan > policy.amount_yuan:
        out.append(
            (
                "amount_yuan",
                str(app.amount_yuan),
                f"超过政策 {policy.id} 的单笔上限 {policy.amount_yuan} 元 / exceeds the "
                f"{policy.amount_yuan} yuan an application of policy {policy.id} may get",
            )
        )
    if not policy.open_on(app.day):
        out.append(
            (
                "day",
                app.day.isoformat(),
                f"不在政策 {policy.id} 的申报期 {policy.start}..{policy.end} 内 / is outside "
                f"the period {policy.start}..{policy.end} of policy {policy.id}",
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether an applicant may apply for a policy, and if not, every reason why."""

    policy: Policy
    eligible: bool
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self.policy.to_dict(), "eligible": self.eligible, "reasons": list(self.reasons)}


def eligibility(
    applicant: Applicant, policies: Iterable[Policy], *, on: dt.date | None = None
) -> list[Eligibility]:
    """Every policy with whether ``applicant`` may apply (open on ``on`` when given): type,
    attribute rules and period all checked, each failed check a bilingual reason."""
    out: list[Eligibility] = []
    for p in policies:
        reasons: list[str] = []
        if applicant.type not in p.applicant_types:
            reasons.append(
                f"申请人类型 {applicant.type} 不在 {';'.join(p.applicant_types)} 内 / applicant "
                f"type {applicant.type} is not one of {';'.join(p.applicant_types)}"
            )
        for r in p.rules:
            if r.applies_to(applicant.type) and not r.holds(applicant.attributes):
                got = applicant.attributes.get(r.attribute)
                shown = "无 / none" if got is None else repr(got)
                reasons.append(
                    f"条件 {r} 不满足 (为 {shown}) / condition {r} not met (got {shown})"
                )
        if on is not None and not p.open_on(on):
            reasons.append(
                f"{on} 不在申报期 {p.start}..{p.end} 内 / {on} is outside the period "
                f"{p.start}..{p.end}"
            )
        out.append(Eligibility(p, not reasons, tuple(reasons)))
    return out


def eligible_policies(
    applicant: Applicant, policies: Sequence[Policy], *, on: dt.date | None = None
) -> list[Policy]:
    """The policies ``applicant`` may apply for, across bureaus, in catalogue order."""
    return [e.policy for e in eligibility(applicant, policies, on=on) if e.eligible]
