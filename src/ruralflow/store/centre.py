"""The service centre in the database (issue 19): the policy catalogue, the applicants the
one-stop window knows, and applications with their status history.

Tables: ``centre_policies`` (a mirror of ``policies.csv`` + ``policy_rules.csv``, the whole
policy as JSON in ``attrs``), ``centre_applicants`` (``applicants.csv`` and applicants added
by a county admin) and ``centre_applications`` (``applications.csv`` rows, origin
``bundle``, and applications made through the API, origin ``window``). Amounts are integer
fen. Each status change of an application is an :class:`~ruralflow.store.models.AuditEntry`
(``record_table = "centre_applications"``): who, when, the values before and after.

:func:`import_centre` stores a bundle's centre files for a county (``ruralflow db import``
calls it when the bundle has them). Re-importing replaces the catalogue and the bundle's
applications and keeps the window's applications, unless one of them names a policy the new
catalogue lacks (then nothing is written).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ruralflow.centre.catalogue import FUNDED, Applicant, Application, Policy, Rule
from ruralflow.store.db import StoreError, session_scope
from ruralflow.store.models import (
    AuditEntry,
    Base,
    BigId,
    CountyRow,
    PlaceRow,
    UtcDateTime,
    utcnow,
)

__all__ = [
    "ApplicantRow",
    "ApplicationRow",
    "CentreImport",
    "ExpoItemRow",
    "LeadRow",
    "PolicyRow",
    "applicant_of",
    "application_of",
    "export_centre",
    "fen",
    "granted_fen",
    "import_centre",
    "import_expo",
    "policies_of",
    "policy_of",
    "record_status",
    "yuan",
]

APPLICATIONS_TABLE = "centre_applications"


class PolicyRow(Base):
    """One policy of a county's catalogue (``attrs``: :meth:`Policy.to_dict` exact form)."""

    __tablename__ = "centre_policies"
    __table_args__ = (
        UniqueConstraint("county_id", "policy_id"),
        Index("ix_centre_policies_bureau", "county_id", "bureau"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    policy_id: Mapped[str] = mapped_column(String(64))
    bureau: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(500))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    attrs: Mapped[dict[str, Any]]


class ApplicantRow(Base):
    """A farmer, cooperative, enterprise or station the one-stop window knows."""

    __tablename__ = "centre_applicants"
    __table_args__ = (UniqueConstraint("county_id", "applicant_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    applicant_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), default="")
    attributes: Mapped[dict[str, Any]]
    origin: Mapped[str] = mapped_column(String(16), default="bundle")


class ApplicationRow(Base):
    """One application of one applicant to one policy, and where it stands."""

    __tablename__ = APPLICATIONS_TABLE
    __table_args__ = (
        UniqueConstraint("county_id", "application_id", name="uq_centre_applications_id"),
        UniqueConstraint(
            "county_id", "applicant", "policy", name="uq_centre_applications_applicant_policy"
        ),
        Index("ix_centre_applications_bureau", "county_id", "bureau"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    application_id: Mapped[str] = mapped_column(String(64))
    applicant: Mapped[str] = mapped_column(String(64))
    applicant_type: Mapped[str] = mapped_column(String(32))
    policy: Mapped[str] = mapped_column(String(64))
    #: the policy's bureau (who may see and decide it)
    bureau: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    day: Mapped[dt.date] = mapped_column(Date)
    #: ``bundle`` (applications.csv) or ``window`` (made through the API)
    origin: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    submitted_by: Mapped[str] = mapped_column(String(64), default="")
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: who approved or rejected it, and when
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    #: who recorded the payment, and when
    paid_by: Mapped[str] = mapped_column(String(64), default="")
    paid_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class ExpoItemRow(Base):
    """The cloud expo's page of one product (云展会): what the centre shows, and the brand and
    grades the bundle gives (``brands.csv``, ``lots.csv``) as of the last import."""

    __tablename__ = "centre_expo_items"
    __table_args__ = (UniqueConstraint("county_id", "product_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(String(64))
    shown: Mapped[bool] = mapped_column(Boolean, default=True)
    headline: Mapped[str] = mapped_column(String(200), default="")
    story: Mapped[str] = mapped_column(Text, default="")
    #: the product's brand (:meth:`BrandInfo.to_dict`) and its GTINs, from brands.csv
    brand: Mapped[dict[str, Any]]
    #: ``[{"grade", "kg"}]`` from lots.csv
    grades: Mapped[list[Any]]
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class LeadRow(Base):
    """An enquiry from the cloud expo: a channel-matching lead for the centre."""

    __tablename__ = "centre_leads"
    __table_args__ = (Index("ix_centre_leads_county_status", "county_id", "status"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    #: the channel the buyer is (wholesale, live_stream, front_warehouse, supermarket, export,
    #: other)
    channel: Mapped[str] = mapped_column(String(32))
    kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    #: new, contacted, matched, closed
    status: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    handled_by: Mapped[str] = mapped_column(String(64), default="")
    handled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


LEAD_STATUSES = ("new", "contacted", "matched", "closed")
LEAD_CHANNELS = ("wholesale", "live_stream", "front_warehouse", "supermarket", "export", "other")


def _expo_brand(s: Session, county: CountyRow, brands: Any, product: str) -> dict[str, Any]:
    """The brands of ``product`` on its expo page, for the county as a whole.

    A page is about the county's product, not one batch, so it lists every enterprise
    sub-brand of the product's regional brand, wherever in the county it applies:
    ``enterprise_sub_brands``, county-wide ones first, each with its ``townships`` (place ids;
    empty: the whole county) and their ``township_names`` (``[{"id", "name_zh", "name_en"}]``).
    ``enterprise_sub_brand`` (the batch-level field of the trace page) is the first of them,
    so a sub-brand covering one township is still shown; ``gtins``: every sub-brand's GTINs
    of the product.
    """
    info = brands.brand_of(product, county.adcode)
    brand: dict[str, Any] = info.to_dict()
    regional = info.regional.id if info.regional is not None else None
    subs = sorted(
        (b for b in brands.sub_brands if b.regional_brand == regional and product in b.products),
        key=lambda b: (bool(b.townships), b.id),
    )
    wanted = sorted({t for b in subs for t in b.townships})
    names = {
        r.place_id: (r.name, str((r.attrs or {}).get("name_en", "")))
        for r in s.scalars(
            select(PlaceRow).where(PlaceRow.county_id == county.id, PlaceRow.place_id.in_(wanted))
        )
    }
    listed = []
    for b in subs:
        d = b.to_dict()
        d["township_names"] = [
            {"id": t, "name_zh": names.get(t, ("", ""))[0], "name_en": names.get(t, ("", ""))[1]}
            for t in b.townships
        ]
        listed.append(d)
    brand["enterprise_sub_brands"] = listed
    if brand.get("enterprise_sub_brand") is None and listed:
        brand["enterprise_sub_brand"] = listed[0]
    brand["gtins"] = sorted({b.gs1[product].gtin for b in brands.sub_brands if product in b.gs1})
    return brand


def import_expo(
    s: Session, county: CountyRow, products: Sequence[str], brands: Any, lots: Any
) -> int:
    """Make or refresh the expo page of each product: the brand (a
    :class:`~ruralflow.trace.brand.BrandRegistry` or None) and grades (lots or None) from the
    bundle; the centre's curation (shown, headline, story) is kept. Pages of products the
    bundle no longer has are removed. Returns the number of pages."""
    rows = {
        r.product_id: r
        for r in s.scalars(select(ExpoItemRow).where(ExpoItemRow.county_id == county.id))
    }
    for pid, r in rows.items():
        if pid not in products:
            s.delete(r)
    for pid in products:
        brand: dict[str, Any] = {}
        if brands is not None:
            brand = _expo_brand(s, county, brands, pid)
        grades: dict[str, float] = defaultdict(float)
        for lot in lots or ():
            if lot.product == pid:
                grades[lot.grade] += float(lot.kg)
        g = [{"grade": k, "kg": round(v, 1)} for k, v in sorted(grades.items())]
        row = rows.get(pid)
        if row is None:
            s.add(ExpoItemRow(county_id=county.id, product_id=pid, brand=brand, grades=g))
        else:
            row.brand, row.grades = brand, g
    s.flush()
    return len(products)


def fen(yuan: Decimal) -> int:
    """Whole fen of an amount in yuan (the catalogue's amounts are at most 2 decimals)."""
    return int((yuan * 100).to_integral_value())


def yuan(amount_fen: int) -> Decimal:
    return Decimal(amount_fen) / 100


def _policy_row(i: int, p: Policy) -> PolicyRow:
    attrs = p.to_dict()
    attrs["amount_yuan"] = str(p.amount_yuan)
    attrs["budget_yuan"] = str(p.budget_yuan)
    attrs["rules"] = [
        {
            "attribute": r.attribute,
            "op": r.op,
            "value": r.value,
            "applicant_type": r.applicant_type,
        }
        for r in p.rules
    ]
    return PolicyRow(
        position=i,
        policy_id=p.id,
        bureau=p.bureau,
        purpose=p.purpose,
        name=p.name,
        start=p.start,
        end=p.end,
        amount_fen=fen(p.amount_yuan),
        budget_fen=fen(p.budget_yuan),
        attrs=attrs,
    )


def policy_of(row: PolicyRow) -> Policy:
    """The :class:`Policy` a row stores."""
    a = row.attrs
    return Policy(
        id=row.policy_id,
        bureau=row.bureau,
        name=row.name,
        purpose=row.purpose,
        applicant_types=tuple(a["applicant_types"]),
        amount_yuan=Decimal(a["amount_yuan"]),
        budget_yuan=Decimal(a["budget_yuan"]),
        start=row.start,
        end=row.end,
        documents=tuple(a.get("documents", ())),
        rules=tuple(Rule(**r) for r in a.get("rules", ())),
    )


def policies_of(s: Session, county_id: int) -> list[Policy]:
    """The county's catalogue, in bundle order."""
    rows = s.scalars(
        select(PolicyRow).where(PolicyRow.county_id == county_id).order_by(PolicyRow.position)
    )
    return [policy_of(r) for r in rows]


def applicant_of(row: ApplicantRow) -> Applicant:
    return Applicant(row.applicant_id, row.type, row.name, dict(row.attributes))


def application_of(row: ApplicationRow) -> Application:
    return Application(
        id=row.application_id,
        applicant=row.applicant,
        applicant_type=row.applicant_type,
        policy=row.policy,
        purpose=row.purpose,
        amount_yuan=yuan(row.amount_fen),
        status=row.status,
        day=row.day,
    )


def granted_fen(s: Session, county_id: int, policy: str) -> int:
    """Fen granted so far by ``policy`` (approved and paid applications)."""
    total = s.scalar(
        select(func.coalesce(func.sum(ApplicationRow.amount_fen), 0)).where(
            ApplicationRow.county_id == county_id,
            ApplicationRow.policy == policy,
            ApplicationRow.status.in_(sorted(FUNDED)),
        )
    )
    return int(total or 0)


def _values(r: ApplicationRow) -> dict[str, Any]:
    return {
        "status": r.status,
        "amount_yuan": str(yuan(r.amount_fen)),
        "decided_by": r.decided_by,
        "paid_by": r.paid_by,
        "note": r.note,
    }


def record_status(
    s: Session, row: ApplicationRow, status: str, actor: str, note: str = ""
) -> None:
    """Move ``row`` to ``status`` (the caller checked the move) with its audit entry."""
    before = _values(row)
    now = utcnow()
    row.status = status
    row.version += 1
    if status in ("approved", "rejected"):
        row.decided_by, row.decided_at = actor, now
    if status == "paid":
        row.paid_by, row.paid_at = actor, now
    if note:
        row.note = note
    s.add(
        AuditEntry(
            record_table=APPLICATIONS_TABLE,
            record_id=row.id,
            version=row.version,
            action="status",
            before=before,
            after=_values(row),
            reason=note,
            actor=actor,
            at=now,
        )
    )


@dataclass(frozen=True)
class CentreImport:
    """What :func:`import_centre` stored."""

    policies: int
    applicants: int
    applications: int
    kept: int

    def counts(self) -> dict[str, int]:
        return {
            "centre_policies": self.policies,
            "centre_applicants": self.applicants,
            "centre_applications": self.applications,
        }


def import_centre(
    s: Session,
    county: CountyRow,
    policies: Sequence[Policy],
    applicants: Sequence[Applicant] = (),
    applications: Sequence[Application] = (),
    *,
    actor: str = "import",
) -> CentreImport:
    """Store a county's catalogue, applicants and bundle applications in session ``s``.

    Replaces the catalogue, the bundle's applicants and applications; keeps the window's
    applicants and applications (:class:`StoreError` if one of those names a policy the new
    catalogue lacks, or an applicant id the bundle now gives another type).
    """
    ids = {p.id for p in policies}
    kept = list(
        s.scalars(
            select(ApplicationRow).where(
                ApplicationRow.county_id == county.id, ApplicationRow.origin == "window"
            )
        )
    )
    lost = sorted({r.policy for r in kept if r.policy not in ids})
    if lost:
        raise StoreError(
            f"已有窗口申请引用了新目录中没有的政策 / applications made through the window name "
            f"policies the new catalogue lacks: {', '.join(lost)}"
        )
    bundle_apps = {a.id for a in applications}
    clash = sorted(r.application_id for r in kept if r.application_id in bundle_apps)
    if clash:
        raise StoreError(
            f"applications.csv 的编号与窗口申请重复 / application ids of applications.csv are "
            f"taken by applications made through the window: {', '.join(clash)}"
        )
    window_applicants = {
        r.applicant_id: r
        for r in s.scalars(
            select(ApplicantRow).where(
                ApplicantRow.county_id == county.id, ApplicantRow.origin == "window"
            )
        )
    }
    for a in applicants:
        w = window_applicants.get(a.id)
        if w is not None and w.type != a.type:
            raise StoreError(
                f"申请人 {a.id} 在库中类型为 {w.type} / applicant {a.id} is of type {w.type} in "
                f"the database, {a.type} in applicants.csv"
            )
    s.execute(delete(PolicyRow).where(PolicyRow.county_id == county.id))
    s.execute(
        delete(ApplicationRow).where(
            ApplicationRow.county_id == county.id, ApplicationRow.origin == "bundle"
        )
    )
    s.execute(
        delete(ApplicantRow).where(
            ApplicantRow.county_id == county.id,
            ApplicantRow.origin == "bundle",
        )
    )
    s.flush()
    for i, p in enumerate(policies):
        row = _policy_row(i, p)
        row.county_id = county.id
        s.add(row)
    for a in applicants:
        w = window_applicants.get(a.id)
        if w is not None:  # the bundle's record wins, the row stays
            w.name, w.attributes, w.origin = a.name, dict(a.attributes), "bundle"
            continue
        s.add(
            ApplicantRow(
                county_id=county.id,
                applicant_id=a.id,
                type=a.type,
                name=a.name,
                attributes=dict(a.attributes),
                origin="bundle",
            )
        )
    bureau = {p.id: p.bureau for p in policies}
    for app in applications:
        s.add(
            ApplicationRow(
                county_id=county.id,
                application_id=app.id,
                applicant=app.applicant,
                applicant_type=app.applicant_type,
                policy=app.policy,
                bureau=bureau[app.policy],
                purpose=app.purpose,
                amount_fen=fen(app.amount_yuan),
                status=app.status,
                day=app.day,
                origin="bundle",
                submitted_by=actor,
            )
        )
    s.flush()
    return CentreImport(len(policies), len(applicants), len(applications), len(kept))


def export_centre(engine: Engine, adcode: str, root: Path) -> list[Path]:
    """Write the county's centre files into the bundle folder ``root`` (nothing when it has no
    catalogue): the catalogue, every applicant, and every application (the window's too)."""
    from ruralflow.bundle.centre_files import write_centre_files
    from ruralflow.store.counties import county_row

    with session_scope(engine) as s:
        c = county_row(s, adcode)
        if c is None:
            return []
        policies = policies_of(s, c.id)
        if not policies:
            return []
        applicants = [
            applicant_of(r)
            for r in s.scalars(
                select(ApplicantRow)
                .where(ApplicantRow.county_id == c.id)
                .order_by(ApplicantRow.id)
            )
        ]
        apps = [
            application_of(r)
            for r in s.scalars(
                select(ApplicationRow)
                .where(ApplicationRow.county_id == c.id)
                .order_by(ApplicationRow.id)
            )
        ]
    return write_centre_files(root, policies, applicants, apps)
