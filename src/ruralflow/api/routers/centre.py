"""The county service centre (issue 19, ``docs/centre.md``): the policy catalogue, the
one-stop window (an applicant sees every policy it may apply for, across bureaus, and applies
once), the bureaus' decisions, the overlap and double-funding overview, and the cloud expo
(public product pages; an enquiry becomes a lead for the centre).

Who sees what: the catalogue is public; an ``applicant`` sees and makes only its own
applications; a ``bureau`` sees and decides only the applications to its bureau's policies;
a ``county_admin`` sees all of its county. An application the caller may not see answers 404,
as one that does not exist (nothing leaks).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ruralflow.api.deps import CurrentUser, EngineDep, Principal, forbid, user_county
from ruralflow.api.problems import Problem
from ruralflow.centre import TRANSITIONS, analyse, eligibility
from ruralflow.centre.catalogue import APPLICANT_TYPES, BUREAUS, PURPOSES, Applicant, Policy
from ruralflow.store.centre import (
    APPLICATIONS_TABLE,
    ApplicantRow,
    ApplicationRow,
    ExpoItemRow,
    LeadRow,
    PolicyRow,
    applicant_of,
    application_of,
    fen,
    granted_fen,
    policies_of,
    policy_of,
    record_status,
    yuan,
)
from ruralflow.store.counties import county_row
from ruralflow.store.db import session_scope
from ruralflow.store.models import (
    AuditEntry,
    CountyRow,
    EventEpcRow,
    IntakeRecord,
    ProductRow,
    UpSupplyRow,
    utcnow,
)

router = APIRouter(tags=["centre"])

IDENT = r"^[A-Za-z0-9_.:-]{1,64}$"
Adcode = Annotated[str, PathParam(pattern=r"^\d{6}$", examples=["610425"])]
AppId = Annotated[str, PathParam(pattern=IDENT, examples=["A001"])]
#: The window's calendar: the county's local date (China Standard Time).
CST = ZoneInfo("Asia/Shanghai")


class PolicyOut(BaseModel):
    id: str
    bureau: str
    bureau_label: str
    name: str
    purpose: str
    purpose_label: str
    applicant_types: list[str]
    amount_yuan: float
    budget_yuan: float
    granted_yuan: float
    start: dt.date
    end: dt.date
    documents: list[str]
    rules: list[str]


class PolicyList(BaseModel):
    data: list[PolicyOut]
    count: int


class EligibleOut(PolicyOut):
    eligible: bool
    reasons: list[str]
    #: the caller's application to this policy, if it has applied
    application: str | None


class EligibleList(BaseModel):
    applicant: str
    applicant_type: str
    day: dt.date
    data: list[EligibleOut]
    count: int


class ApplicationIn(BaseModel):
    """An application to one policy (the applicant is the logged-in user)."""

    model_config = ConfigDict(extra="forbid")
    policy: str = Field(pattern=IDENT)
    amount_yuan: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    note: str = Field(default="", max_length=1000)


class StatusIn(BaseModel):
    """A bureau's decision: the new status and why."""

    model_config = ConfigDict(extra="forbid")
    status: str = Field(pattern=r"^(reviewing|approved|rejected|paid)$")
    note: str = Field(default="", max_length=1000)


class ApplicationOut(BaseModel):
    id: str
    applicant: str
    applicant_type: str
    policy: str
    policy_name: str
    bureau: str
    purpose: str
    amount_yuan: float
    status: str
    day: dt.date
    origin: str
    version: int
    submitted_by: str
    submitted_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    paid_by: str
    paid_at: dt.datetime | None
    note: str
    #: the statuses it may move to next
    next: list[str]


class HistoryOut(BaseModel):
    version: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str
    actor: str
    at: dt.datetime


class ApplicationDetail(ApplicationOut):
    history: list[HistoryOut]


class ApplicationList(BaseModel):
    data: list[ApplicationOut]
    count: int


class ApplicantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=IDENT)
    type: str = Field(pattern="^(" + "|".join(APPLICANT_TYPES) + ")$")
    name: str = Field(default="", max_length=200)
    attributes: dict[str, str] = Field(default_factory=dict, max_length=50)


class ApplicantOut(ApplicantIn):
    pass


class ApplicantList(BaseModel):
    data: list[ApplicantOut]
    count: int


class Overview(BaseModel):
    """Counts by status and the catalogue analysis (``ruralflow centre overlap --json``)."""

    adcode: str
    scope: str
    applications_by_status: dict[str, int]
    granted_yuan: float
    paid_yuan: float
    analysis: dict[str, Any]


# ----------------------------------------------------------------------------- helpers
def _today(request: Request) -> dt.date:
    """The county's date (``app.state.centre_today`` overrides it, for tests and demos)."""
    fixed = getattr(request.app.state, "centre_today", None)
    return fixed if isinstance(fixed, dt.date) else dt.datetime.now(CST).date()


def _policy_out(p: Policy, granted: int) -> dict[str, Any]:
    d = p.to_dict()
    d["granted_yuan"] = float(yuan(granted))
    return d


def _granted(s: Session, county_id: int) -> dict[str, int]:
    from ruralflow.centre.catalogue import FUNDED

    return {
        str(k): int(v)
        for k, v in s.execute(
            select(ApplicationRow.policy, func.sum(ApplicationRow.amount_fen))
            .where(
                ApplicationRow.county_id == county_id,
                ApplicationRow.status.in_(sorted(FUNDED)),
            )
            .group_by(ApplicationRow.policy)
        ).all()
    }


def _applicant(s: Session, c: CountyRow, applicant_id: str) -> Applicant:
    row = s.scalar(
        select(ApplicantRow).where(
            ApplicantRow.county_id == c.id, ApplicantRow.applicant_id == applicant_id
        )
    )
    if row is None:
        raise Problem(404, f"没有申请人 {applicant_id} / no applicant {applicant_id}")
    return applicant_of(row)


def _visible(user: Principal) -> Any:
    """The SQL condition of the applications ``user`` may see (403 for other roles)."""
    if user.role == "county_admin":
        return True
    if user.role == "applicant":
        return ApplicationRow.applicant == user.scope
    if user.role == "bureau":
        return ApplicationRow.bureau == user.scope
    raise forbid()


def _app_out(r: ApplicationRow, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": r.application_id,
        "applicant": r.applicant,
        "applicant_type": r.applicant_type,
        "policy": r.policy,
        "policy_name": names.get(r.policy, r.policy),
        "bureau": r.bureau,
        "purpose": r.purpose,
        "amount_yuan": float(yuan(r.amount_fen)),
        "status": r.status,
        "day": r.day,
        "origin": r.origin,
        "version": r.version,
        "submitted_by": r.submitted_by,
        "submitted_at": r.submitted_at,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at,
        "paid_by": r.paid_by,
        "paid_at": r.paid_at,
        "note": r.note,
        "next": sorted(TRANSITIONS[r.status]),
    }


def _names(s: Session, county_id: int) -> dict[str, str]:
    return {
        str(k): str(v)
        for k, v in s.execute(
            select(PolicyRow.policy_id, PolicyRow.name).where(PolicyRow.county_id == county_id)
        ).all()
    }


def _find(s: Session, user: Principal, c: CountyRow, app_id: str) -> ApplicationRow:
    row = s.scalar(
        select(ApplicationRow).where(
            ApplicationRow.county_id == c.id,
            ApplicationRow.application_id == app_id,
            _visible(user),
        )
    )
    if row is None:
        raise Problem(404, f"没有申请 {app_id} / no application {app_id}")
    return row


def _detail(s: Session, row: ApplicationRow) -> ApplicationDetail:
    hist = s.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_table == APPLICATIONS_TABLE, AuditEntry.record_id == row.id)
        .order_by(AuditEntry.version)
    )
    return ApplicationDetail(
        **_app_out(row, _names(s, row.county_id)),
        history=[
            HistoryOut(
                version=a.version,
                before=a.before,
                after=a.after,
                note=a.reason,
                actor=a.actor,
                at=a.at,
            )
            for a in hist
        ],
    )


# ----------------------------------------------------------------------------- catalogue
@router.get("/public/counties/{adcode}/centre/policies", response_model=PolicyList)
def public_policies(
    adcode: Adcode,
    engine: EngineDep,
    bureau: Annotated[str | None, Query(pattern=IDENT)] = None,
    purpose: Annotated[str | None, Query(pattern=IDENT)] = None,
) -> PolicyList:
    """The county's policy catalogue across bureaus (no login), with the amounts granted."""
    with session_scope(engine) as s:
        c = county_row(s, adcode)
        if c is None:
            raise Problem(404, f"没有县 {adcode} / no county {adcode}")
        granted = _granted(s, c.id)
        rows = [
            PolicyOut(**_policy_out(p, granted.get(p.id, 0)))
            for p in policies_of(s, c.id)
            if (bureau is None or p.bureau == bureau) and (purpose is None or p.purpose == purpose)
        ]
        return PolicyList(data=rows, count=len(rows))


@router.get("/counties/{adcode}/centre/eligible", response_model=EligibleList)
def eligible(
    adcode: Adcode,
    user: CurrentUser,
    engine: EngineDep,
    request: Request,
    applicant: Annotated[str | None, Query(pattern=IDENT)] = None,
    day: dt.date | None = None,
    include_ineligible: Annotated[bool, Query(alias="all")] = False,
) -> EligibleList:
    """Every policy the applicant may apply for on ``day`` (default today), across bureaus;
    ``all=true`` adds the others with the reasons why not. An applicant asks for itself; a
    county admin names ``applicant``."""
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        if user.role == "applicant":
            if applicant not in (None, user.scope):
                raise forbid()
            who_id = user.scope
        elif user.role == "county_admin":
            if applicant is None:
                raise Problem(422, "请给出 applicant / name the applicant (?applicant=ID)")
            who_id = applicant
        else:
            raise forbid()
        who = _applicant(s, c, who_id)
        on = day or _today(request)
        granted = _granted(s, c.id)
        applied = dict(
            s.execute(
                select(ApplicationRow.policy, ApplicationRow.application_id).where(
                    ApplicationRow.county_id == c.id, ApplicationRow.applicant == who.id
                )
            ).all()
        )
        rows = [
            EligibleOut(
                **_policy_out(e.policy, granted.get(e.policy.id, 0)),
                eligible=e.eligible,
                reasons=list(e.reasons),
                application=applied.get(e.policy.id),
            )
            for e in eligibility(who, policies_of(s, c.id), on=on)
            if e.eligible or include_ineligible
        ]
        return EligibleList(
            applicant=who.id, applicant_type=who.type, day=on, data=rows, count=len(rows)
        )


# ----------------------------------------------------------------------------- applications
@router.post(
    "/counties/{adcode}/centre/applications", response_model=ApplicationDetail, status_code=201
)
def apply(
    adcode: Adcode,
    body: ApplicationIn,
    user: CurrentUser,
    engine: EngineDep,
    request: Request,
    response: Response,
) -> ApplicationDetail:
    """Apply for one policy (the applicant role only; once per policy). 422 with the reasons
    when the applicant is not eligible today or asks for more than the policy gives; 409 when
    it has applied for the policy already."""
    if user.role != "applicant":
        raise forbid()
    today = _today(request)
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        who = _applicant(s, c, user.scope)
        prow = s.scalar(
            select(PolicyRow).where(
                PolicyRow.county_id == c.id, PolicyRow.policy_id == body.policy
            )
        )
        if prow is None:
            raise Problem(404, f"没有政策 {body.policy} / no policy {body.policy}")
        policy = policy_of(prow)
        (e,) = eligibility(who, [policy], on=today)
        if not e.eligible:
            raise Problem(
                422,
                "不符合申请条件 / not eligible: " + "; ".join(e.reasons),
                kind="not-eligible",
                reasons=list(e.reasons),
            )
        if body.amount_yuan > policy.amount_yuan:
            raise Problem(
                422,
                f"申请金额超过单笔上限 {policy.amount_yuan} 元 / the amount exceeds the "
                f"{policy.amount_yuan} yuan one application may get",
            )
        old = s.scalar(
            select(ApplicationRow.application_id).where(
                ApplicationRow.county_id == c.id,
                ApplicationRow.applicant == who.id,
                ApplicationRow.policy == policy.id,
            )
        )
        if old is not None:
            raise Problem(
                409,
                f"已申请过该政策（{old}）/ already applied for this policy ({old})",
                kind="already-applied",
                application=old,
            )
        row = ApplicationRow(
            county_id=c.id,
            application_id=f"W{uuid.uuid4().hex[:11].upper()}",
            applicant=who.id,
            applicant_type=who.type,
            policy=policy.id,
            bureau=policy.bureau,
            purpose=policy.purpose,
            amount_fen=fen(body.amount_yuan),
            status="submitted",
            day=today,
            origin="window",
            submitted_by=user.name,
            note=body.note,
        )
        s.add(row)
        try:
            s.flush()
        except IntegrityError:  # a concurrent second application
            raise Problem(409, "已申请过该政策 / already applied for this policy") from None
        s.add(
            AuditEntry(
                record_table=APPLICATIONS_TABLE,
                record_id=row.id,
                version=1,
                action="create",
                before=None,
                after={"status": "submitted", "amount_yuan": str(body.amount_yuan)},
                reason=body.note,
                actor=user.name,
            )
        )
        s.flush()
        response.headers["Location"] = (
            f"/counties/{adcode}/centre/applications/{row.application_id}"
        )
        return _detail(s, row)


@router.get("/counties/{adcode}/centre/applications", response_model=ApplicationList)
def list_applications(
    adcode: Adcode,
    user: CurrentUser,
    engine: EngineDep,
    status: Annotated[str | None, Query(pattern=r"^[a-z]{1,16}$")] = None,
    policy: Annotated[str | None, Query(pattern=IDENT)] = None,
) -> ApplicationList:
    """Applications the caller may see: its own (applicant), its bureau's policies' (bureau),
    all (county admin); newest first."""
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        q = select(ApplicationRow).where(ApplicationRow.county_id == c.id, _visible(user))
        if status is not None:
            q = q.where(ApplicationRow.status == status)
        if policy is not None:
            q = q.where(ApplicationRow.policy == policy)
        names = _names(s, c.id)
        rows = [
            ApplicationOut(**_app_out(r, names))
            for r in s.scalars(q.order_by(ApplicationRow.day.desc(), ApplicationRow.id.desc()))
        ]
        return ApplicationList(data=rows, count=len(rows))


@router.get("/counties/{adcode}/centre/applications/{app_id}", response_model=ApplicationDetail)
def get_application(
    adcode: Adcode, app_id: AppId, user: CurrentUser, engine: EngineDep
) -> ApplicationDetail:
    """One application with its status history (who decided, when)."""
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        return _detail(s, _find(s, user, c, app_id))


@router.post(
    "/counties/{adcode}/centre/applications/{app_id}/status", response_model=ApplicationDetail
)
def set_status(
    adcode: Adcode, app_id: AppId, body: StatusIn, user: CurrentUser, engine: EngineDep
) -> ApplicationDetail:
    """Move an application on (bureau of its policy, or county admin): submitted → reviewing →
    approved or rejected, approved → paid. 409 for another move, or an approval beyond the
    policy's budget."""
    if user.role not in ("bureau", "county_admin"):
        raise forbid()
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        row = _find(s, user, c, app_id)
        if body.status not in TRANSITIONS[row.status]:
            allowed = ", ".join(sorted(TRANSITIONS[row.status])) or "none"
            raise Problem(
                409,
                f"不能从 {row.status} 改为 {body.status}（可改为：{allowed}）/ cannot move from "
                f"{row.status} to {body.status} (allowed: {allowed})",
                kind="bad-transition",
            )
        if body.status == "approved":
            budget = s.scalar(
                select(PolicyRow.budget_fen).where(
                    PolicyRow.county_id == c.id, PolicyRow.policy_id == row.policy
                )
            )
            used = granted_fen(s, c.id, row.policy)
            if budget is not None and used + row.amount_fen > budget:
                raise Problem(
                    409,
                    f"超出政策预算：已批 {yuan(used)} 元，预算 {yuan(budget)} 元 / beyond the "
                    f"policy's budget: {yuan(used)} yuan granted of {yuan(budget)} yuan",
                    kind="over-budget",
                )
        record_status(s, row, body.status, user.name, body.note)
        s.flush()
        return _detail(s, row)


# ----------------------------------------------------------------------------- overview
@router.get("/counties/{adcode}/centre/overview", response_model=Overview)
def overview(adcode: Adcode, user: CurrentUser, engine: EngineDep) -> Overview:
    """Applications by status, amounts granted and paid, and the catalogue analysis: overlaps,
    double funding, budget by purpose and bureau, fragmentation (county admin: everything; a
    bureau: its applications' counts, and the double funding that involves its policies)."""
    if user.role not in ("bureau", "county_admin"):
        raise forbid()
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        policies = policies_of(s, c.id)
        apps = [
            application_of(r)
            for r in s.scalars(select(ApplicationRow).where(ApplicationRow.county_id == c.id))
        ]
        result = analyse(policies, apps).to_dict()
        mine = [
            a
            for a in apps
            if user.role == "county_admin" or _bureau_of(policies, a.policy) == user.scope
        ]
        if user.role == "bureau":
            own = {p.id for p in policies if p.bureau == user.scope}
            result["double_funded"] = [
                d for d in result["double_funded"] if own & set(d["policies"])
            ]
        by_status: dict[str, int] = {}
        for a in mine:
            by_status[a.status] = by_status.get(a.status, 0) + 1
        granted = sum(
            (a.amount_yuan for a in mine if a.status in ("approved", "paid")), Decimal(0)
        )
        paid = sum((a.amount_yuan for a in mine if a.status == "paid"), Decimal(0))
        return Overview(
            adcode=adcode,
            scope=user.scope if user.role == "bureau" else "county",
            applications_by_status=dict(sorted(by_status.items())),
            granted_yuan=float(granted),
            paid_yuan=float(paid),
            analysis=result,
        )


def _bureau_of(policies: list[Policy], policy: str) -> str:
    for p in policies:
        if p.id == policy:
            return p.bureau
    return ""


# ----------------------------------------------------------------------------- applicants
@router.get("/counties/{adcode}/centre/applicants", response_model=ApplicantList)
def list_applicants(adcode: Adcode, user: CurrentUser, engine: EngineDep) -> ApplicantList:
    """The applicants the window knows (county admin)."""
    if user.role != "county_admin":
        raise forbid()
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        rows = [
            ApplicantOut(id=r.applicant_id, type=r.type, name=r.name, attributes=r.attributes)
            for r in s.scalars(
                select(ApplicantRow)
                .where(ApplicantRow.county_id == c.id)
                .order_by(ApplicantRow.applicant_id)
            )
        ]
        return ApplicantList(data=rows, count=len(rows))


@router.post("/counties/{adcode}/centre/applicants", response_model=ApplicantOut, status_code=201)
def add_applicant(
    adcode: Adcode, body: ApplicantIn, user: CurrentUser, engine: EngineDep
) -> ApplicantOut:
    """Register an applicant (county admin): then `ruralflow users add --role applicant`."""
    if user.role != "county_admin":
        raise forbid()
    bad = [k for k in body.attributes if not re.match(IDENT, k)]
    if bad:
        raise Problem(422, f"属性名须为编号 / attribute names must be ids: {bad[0]!r}")
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        exists = s.scalar(
            select(ApplicantRow.id).where(
                ApplicantRow.county_id == c.id, ApplicantRow.applicant_id == body.id
            )
        )
        if exists is not None:
            raise Problem(409, f"申请人 {body.id} 已存在 / applicant {body.id} exists")
        s.add(
            ApplicantRow(
                county_id=c.id,
                applicant_id=body.id,
                type=body.type,
                name=body.name,
                attributes=dict(body.attributes),
                origin="window",
            )
        )
        return ApplicantOut(**body.model_dump())


_LABELS = {"purposes": PURPOSES, "bureaus": BUREAUS, "applicant_types": APPLICANT_TYPES}


@router.get("/public/centre/labels")
def labels() -> dict[str, dict[str, str]]:
    """The centre's vocabularies with their labels (Chinese / English), for pages."""
    return {k: dict(v) for k, v in _LABELS.items()}


# ----------------------------------------------------------------------------- cloud expo
class SeasonDay(BaseModel):
    day: dt.date
    kg: float


class Availability(BaseModel):
    """The product's up-flow supply stored for the season, and the intake recorded so far."""

    first_day: dt.date | None
    last_day: dt.date | None
    supply_kg: float
    intake_kg: float
    #: supply days from today on (the whole season when it is over or not yet begun)
    days: list[SeasonDay]


class TraceCode(BaseModel):
    lot: str
    url: str


class ExpoProduct(BaseModel):
    product: str
    name: str
    name_en: str
    category: str
    headline: str
    story: str
    brand: dict[str, Any]
    gi_status: str
    grades: list[dict[str, Any]]
    availability: Availability
    #: lots of the product in the trace log, as GS1 Digital Link paths (newest first)
    trace_codes: list[TraceCode]
    enquiry: str


class ExpoList(BaseModel):
    adcode: str
    county: str
    data: list[ExpoProduct]
    count: int


class ExpoCuration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shown: bool = True
    headline: str = Field(default="", max_length=200)
    story: str = Field(default="", max_length=5000)


class EnquiryIn(BaseModel):
    """A visitor's enquiry about a product (no login)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    contact: str = Field(min_length=3, max_length=200, description="phone or e-mail")
    organisation: str = Field(default="", max_length=200)
    channel: str = Field(
        pattern=r"^(wholesale|live_stream|front_warehouse|supermarket|export|other)$"
    )
    kg: float | None = Field(default=None, gt=0, le=1e9)
    message: str = Field(default="", max_length=2000)


class EnquiryAck(BaseModel):
    id: int
    product: str
    status: str


class LeadOut(BaseModel):
    id: int
    product: str
    name: str
    contact: str
    organisation: str
    channel: str
    kg: float | None
    message: str
    status: str
    created_at: dt.datetime
    handled_by: str
    handled_at: dt.datetime | None
    note: str


class LeadList(BaseModel):
    data: list[LeadOut]
    count: int


class LeadStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(pattern=r"^(contacted|matched|closed)$")
    note: str = Field(default="", max_length=1000)


def _public_county(s: Session, adcode: str) -> CountyRow:
    c = county_row(s, adcode)
    if c is None:
        raise Problem(404, f"没有县 {adcode} / no county {adcode}")
    return c


def _availability(s: Session, c: CountyRow, product: str, today: dt.date) -> Availability:
    rows = s.execute(
        select(UpSupplyRow.day, func.sum(UpSupplyRow.kg))
        .where(UpSupplyRow.county_id == c.id, UpSupplyRow.product == product)
        .group_by(UpSupplyRow.day)
        .order_by(UpSupplyRow.day)
    ).all()
    intake = s.scalar(
        select(func.coalesce(func.sum(IntakeRecord.kg), 0.0)).where(
            IntakeRecord.county_id == c.id, IntakeRecord.product == product
        )
    )
    days = [SeasonDay(day=d, kg=round(float(kg), 1)) for d, kg in rows]
    ahead = [d for d in days if d.day >= today]
    return Availability(
        first_day=days[0].day if days else None,
        last_day=days[-1].day if days else None,
        supply_kg=round(sum(d.kg for d in days), 1),
        intake_kg=round(float(intake or 0.0), 1),
        days=ahead if days and days[0].day <= today <= days[-1].day else days,
    )


def _trace_codes(s: Session, gtins: list[str], limit: int = 5) -> list[TraceCode]:
    from ruralflow.trace.ids import IdentifierError, lgtin_uri

    out: list[TraceCode] = []
    for gtin in gtins:
        try:
            prefix = lgtin_uri(gtin, "X")[:-1]
        except IdentifierError:
            continue
        epcs = s.scalars(
            select(EventEpcRow.epc)
            .where(EventEpcRow.epc.startswith(prefix, autoescape=True))
            .group_by(EventEpcRow.epc)
            .order_by(func.max(EventEpcRow.id).desc())
            .limit(limit)
        )
        for epc in epcs:
            lot = epc[len(prefix) :]
            out.append(TraceCode(lot=lot, url=f"/01/{gtin}/10/{quote(lot, safe='')}"))
    return out[:limit]


def _expo_product(
    s: Session, c: CountyRow, p: ProductRow, item: ExpoItemRow | None, today: dt.date
) -> ExpoProduct:
    brand = dict(item.brand) if item is not None else {}
    gtins = list(brand.get("gtins", []))
    return ExpoProduct(
        product=p.product_id,
        name=p.name,
        name_en=str(p.attrs.get("name_en", "")),
        category=str(p.attrs.get("category", "")),
        headline=item.headline if item is not None else "",
        story=item.story if item is not None else "",
        brand=brand,
        gi_status=str(brand.get("gi_status", "unknown")),
        grades=list(item.grades) if item is not None else [],
        availability=_availability(s, c, p.product_id, today),
        trace_codes=_trace_codes(s, gtins),
        enquiry=f"/public/counties/{c.adcode}/expo/{p.product_id}/enquiries",
    )


def _expo_items(s: Session, c: CountyRow) -> dict[str, ExpoItemRow]:
    return {
        r.product_id: r
        for r in s.scalars(select(ExpoItemRow).where(ExpoItemRow.county_id == c.id))
    }


@router.get("/public/counties/{adcode}/expo", response_model=ExpoList)
def expo(adcode: Adcode, engine: EngineDep, request: Request) -> ExpoList:
    """The cloud expo (云展会, no login): the products the centre shows, with brand, GI status,
    grades, the season's availability, trace codes and where to send an enquiry."""
    today = _today(request)
    with session_scope(engine) as s:
        c = _public_county(s, adcode)
        items = _expo_items(s, c)
        products = s.scalars(
            select(ProductRow).where(ProductRow.county_id == c.id).order_by(ProductRow.position)
        )
        rows = [
            _expo_product(s, c, p, items.get(p.product_id), today)
            for p in products
            if p.product_id not in items or items[p.product_id].shown
        ]
        return ExpoList(adcode=adcode, county=c.name, data=rows, count=len(rows))


def _shown_product(s: Session, c: CountyRow, product: str) -> ProductRow:
    p = s.scalar(
        select(ProductRow).where(ProductRow.county_id == c.id, ProductRow.product_id == product)
    )
    item = _expo_items(s, c).get(product)
    if p is None or (item is not None and not item.shown):
        raise Problem(404, f"云展会没有产品 {product} / no product {product} in the expo")
    return p


@router.get("/public/counties/{adcode}/expo/{product}", response_model=ExpoProduct)
def expo_product(
    adcode: Adcode,
    product: Annotated[str, PathParam(pattern=IDENT)],
    engine: EngineDep,
    request: Request,
) -> ExpoProduct:
    """One product page of the cloud expo (no login)."""
    with session_scope(engine) as s:
        c = _public_county(s, adcode)
        p = _shown_product(s, c, product)
        return _expo_product(s, c, p, _expo_items(s, c).get(product), _today(request))


@router.post(
    "/public/counties/{adcode}/expo/{product}/enquiries",
    response_model=EnquiryAck,
    status_code=201,
)
def enquire(
    adcode: Adcode,
    product: Annotated[str, PathParam(pattern=IDENT)],
    body: EnquiryIn,
    engine: EngineDep,
) -> EnquiryAck:
    """Send an enquiry about a shown product (no login): it becomes a channel-matching lead
    for the centre (``GET /counties/{adcode}/centre/leads``)."""
    with session_scope(engine) as s:
        c = _public_county(s, adcode)
        _shown_product(s, c, product)
        lead = LeadRow(
            county_id=c.id,
            product_id=product,
            name=body.name.strip(),
            contact=body.contact.strip(),
            organisation=body.organisation.strip(),
            channel=body.channel,
            kg=body.kg,
            message=body.message,
        )
        s.add(lead)
        s.flush()
        return EnquiryAck(id=lead.id, product=product, status=lead.status)


class ExpoCurationOut(ExpoCuration):
    """The centre's curation of a product's expo page, shown or hidden (county admin)."""

    model_config = ConfigDict(extra="forbid")
    product: str
    updated_by: str
    updated_at: dt.datetime | None


def _product_row(s: Session, c: CountyRow, product: str) -> ProductRow:
    p = s.scalar(
        select(ProductRow).where(ProductRow.county_id == c.id, ProductRow.product_id == product)
    )
    if p is None:
        raise Problem(404, f"该县没有产品 {product} / no product {product}")
    return p


@router.get("/counties/{adcode}/centre/expo/{product}", response_model=ExpoCurationOut)
def curation(
    adcode: Adcode,
    product: Annotated[str, PathParam(pattern=IDENT)],
    user: CurrentUser,
    engine: EngineDep,
) -> ExpoCurationOut:
    """The centre's curation of a product (county admin), hidden products included, so that a
    hidden page can be read and edited: shown flag, headline, story, who changed it last."""
    if user.role != "county_admin":
        raise forbid()
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        _product_row(s, c, product)
        item = _expo_items(s, c).get(product)
        if item is None:  # never curated: shown, no headline or story
            return ExpoCurationOut(product=product, updated_by="", updated_at=None)
        return ExpoCurationOut(
            product=product,
            shown=item.shown,
            headline=item.headline,
            story=item.story,
            updated_by=item.updated_by,
            updated_at=item.updated_at,
        )


@router.put("/counties/{adcode}/centre/expo/{product}", response_model=ExpoProduct)
def curate(
    adcode: Adcode,
    product: Annotated[str, PathParam(pattern=IDENT)],
    body: ExpoCuration,
    user: CurrentUser,
    engine: EngineDep,
    request: Request,
) -> ExpoProduct:
    """What the expo shows of a product (county admin): shown or hidden, headline, story."""
    if user.role != "county_admin":
        raise forbid()
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        p = _product_row(s, c, product)
        item = _expo_items(s, c).get(product)
        if item is None:
            item = ExpoItemRow(county_id=c.id, product_id=product, brand={}, grades=[])
            s.add(item)
        item.shown, item.headline, item.story = body.shown, body.headline, body.story
        item.updated_by, item.updated_at = user.name, utcnow()
        s.flush()
        return _expo_product(s, c, p, item, _today(request))


def _lead_out(r: LeadRow) -> LeadOut:
    return LeadOut(
        id=r.id,
        product=r.product_id,
        name=r.name,
        contact=r.contact,
        organisation=r.organisation,
        channel=r.channel,
        kg=r.kg,
        message=r.message,
        status=r.status,
        created_at=r.created_at,
        handled_by=r.handled_by,
        handled_at=r.handled_at,
        note=r.note,
    )


@router.get("/counties/{adcode}/centre/leads", response_model=LeadList)
def leads(
    adcode: Adcode,
    user: CurrentUser,
    engine: EngineDep,
    status: Annotated[str | None, Query(pattern=r"^(new|contacted|matched|closed)$")] = None,
) -> LeadList:
    """The expo's enquiries, newest first (county admin: the centre)."""
    if user.role != "county_admin":
        raise forbid()
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        q = select(LeadRow).where(LeadRow.county_id == c.id)
        if status is not None:
            q = q.where(LeadRow.status == status)
        rows = [_lead_out(r) for r in s.scalars(q.order_by(LeadRow.id.desc()))]
        return LeadList(data=rows, count=len(rows))


@router.post("/counties/{adcode}/centre/leads/{lead}/status", response_model=LeadOut)
def lead_status(
    adcode: Adcode, lead: int, body: LeadStatusIn, user: CurrentUser, engine: EngineDep
) -> LeadOut:
    """Record what the centre did with a lead (contacted, matched to a channel, closed)."""
    if user.role != "county_admin":
        raise forbid()
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        r = s.get(LeadRow, lead)
        if r is None or r.county_id != c.id:
            raise Problem(404, f"没有线索 {lead} / no lead {lead}")
        if r.status == "closed":
            raise Problem(409, "线索已关闭 / the lead is closed", kind="bad-transition")
        r.status, r.note = body.status, body.note or r.note
        r.handled_by, r.handled_at = user.name, utcnow()
        s.flush()
        return _lead_out(r)
