"""SQLAlchemy 2 models of the service database (one metadata; Alembic migrates it).

County data mirror the bundle: each row keeps the columns it is queried by and the whole
domain object as JSON (``attrs``, see :mod:`ruralflow.store.codec`), with ``position`` its
order in the bundle file, so a county exported from the database reads back equal to the
bundle it was imported from. Daily operations (station intake with its audit trail),
cooperative members, users, background runs and the EPCIS event index have their own tables.
The Merkle log's tables (``tlog_*``) have the layout of :mod:`ruralflow.trace.log`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditEntry",
    "Base",
    "BundleFile",
    "BusLineRow",
    "CaptureRow",
    "ContractSignature",
    "CooperativeMember",
    "CountyRow",
    "DeliveryRecord",
    "DownDemandRow",
    "EventEpcRow",
    "EventRow",
    "IntakeRecord",
    "PlaceRow",
    "ProductRow",
    "RunRow",
    "ServiceMeta",
    "UpSupplyRow",
    "User",
    "VehicleTypeRow",
]

#: Integer primary keys: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite drops the offset on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        out = value.astimezone(dt.UTC)
        return out.replace(tzinfo=None) if dialect.name == "sqlite" else out

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """Now, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, Any: JSON}  # noqa: RUF012


class ServiceMeta(Base):
    """Per-database settings made on first use (the token secret, the log's signing key)."""

    __tablename__ = "service_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CountyRow(Base):
    """A county: its settings (``county.yaml``), economy, boundary and roads as JSON."""

    __tablename__ = "counties"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    adcode: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    settings: Mapped[dict[str, Any]]
    economy: Mapped[dict[str, Any]]
    boundary: Mapped[Any] = mapped_column(nullable=True)
    roads: Mapped[Any] = mapped_column(nullable=True)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class _CountyPart:
    """Columns shared by the tables that mirror a bundle file."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    attrs: Mapped[dict[str, Any]]


class PlaceRow(_CountyPart, Base):
    __tablename__ = "places"
    __table_args__ = (UniqueConstraint("county_id", "place_id"),)
    place_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    parent: Mapped[str] = mapped_column(String(64), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class ProductRow(_CountyPart, Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("county_id", "product_id"),)
    product_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))


class VehicleTypeRow(_CountyPart, Base):
    __tablename__ = "vehicle_types"
    __table_args__ = (UniqueConstraint("county_id", "type_id"),)
    type_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)


class BusLineRow(_CountyPart, Base):
    __tablename__ = "bus_lines"
    __table_args__ = (UniqueConstraint("county_id", "line_id"),)
    line_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))


class DownDemandRow(_CountyPart, Base):
    """Down parcels for a village on a day (``demand_down.csv``)."""

    __tablename__ = "demand_down"
    __table_args__ = (Index("ix_demand_down_county_day", "county_id", "day"),)
    day: Mapped[dt.date] = mapped_column(Date)
    village: Mapped[str] = mapped_column(String(64))
    parcels: Mapped[int] = mapped_column(Integer)
    kg: Mapped[float] = mapped_column(Float)


class UpSupplyRow(_CountyPart, Base):
    """An up-flow batch waiting at a village (``supply_up.csv``)."""

    __tablename__ = "supply_up"
    __table_args__ = (UniqueConstraint("county_id", "batch"),)
    batch: Mapped[str] = mapped_column(String(64))
    day: Mapped[dt.date] = mapped_column(Date)
    village: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(64))
    kg: Mapped[float] = mapped_column(Float)


class IntakeRecord(Base):
    """Produce taken in at a station (the current version; history in :class:`AuditEntry`)."""

    __tablename__ = "intake_records"
    __table_args__ = (Index("ix_intake_station", "county_id", "station"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    station: Mapped[str] = mapped_column(String(64))
    day: Mapped[dt.date] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(64))
    kg: Mapped[float] = mapped_column(Float)
    farmer: Mapped[str] = mapped_column(String(64))
    grade: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class DeliveryRecord(Base):
    """Down parcels handed over at a station (the current version; history in the audit)."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_station", "county_id", "station"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    station: Mapped[str] = mapped_column(String(64))
    day: Mapped[dt.date] = mapped_column(Date)
    parcels: Mapped[int] = mapped_column(Integer)
    kg: Mapped[float] = mapped_column(Float)
    recipient: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AuditEntry(Base):
    """One change to an operations record: who, when, the values before and after."""

    __tablename__ = "audit_trail"
    __table_args__ = (Index("ix_audit_record", "record_table", "record_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_table: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[Any] = mapped_column(nullable=True)
    after: Mapped[Any] = mapped_column(nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CooperativeMember(Base):
    """A farmer who belongs to a cooperative of a county."""

    __tablename__ = "cooperative_members"
    __table_args__ = (UniqueConstraint("county_id", "cooperative", "farmer"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    cooperative: Mapped[str] = mapped_column(String(64))
    farmer: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    village: Mapped[str] = mapped_column(String(64), default="")


class User(Base):
    """A login: role, county (adcode) and scope (a station or cooperative id, or empty)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32))
    county: Mapped[str] = mapped_column(String(6))
    scope: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class RunRow(Base):
    """A background run (plan, season, siting, matrix, contracts) and its stored result."""

    __tablename__ = "runs"
    __table_args__ = (UniqueConstraint("county_id", "kind", "version"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]]
    result: Mapped[Any] = mapped_column(nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class BundleFile(Base):
    """An optional file of a county's bundle as imported (the benefit-sharing files
    ``contracts.csv``, ``deliveries.csv``, ``prices.csv`` and the up-flow files
    ``lots.csv``, ``channels.csv``, ``brands.csv``...): its exact text, so that ``db export``
    writes it back unchanged."""

    __tablename__ = "bundle_files"
    __table_args__ = (UniqueConstraint("county_id", "name"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class ContractSignature(Base):
    """One row of ``contracts.csv``: a farmer's signature of a contract, with its cells.

    ``cells`` holds the row's non-empty cells (column -> text); a contract's terms are the
    contract-level cells of its rows, its members the farmers who signed it. Which cooperative
    may see a signature follows the farmer's membership (:class:`CooperativeMember`).
    """

    __tablename__ = "contract_signatures"
    __table_args__ = (
        UniqueConstraint("county_id", "position"),
        Index("ix_contract_signatures_farmer", "county_id", "farmer"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    contract: Mapped[str] = mapped_column(String(64))
    farmer: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(64))
    cells: Mapped[dict[str, Any]]


class CaptureRow(Base):
    """One ``POST /epcis/capture`` job."""

    __tablename__ = "epcis_captures"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    running: Mapped[bool] = mapped_column(Boolean, default=False)
    success: Mapped[bool] = mapped_column(Boolean, default=True)
    captured: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]]
    created_by: Mapped[str] = mapped_column(String(64))
    county: Mapped[str] = mapped_column(String(6))


class EventRow(Base):
    """Query index of an event stored in the Merkle log (entry ``log_index``).

    The event's ``eventID`` is not repeated here: the log's capture keys (:class:`LogKey`,
    scoped by county) map it to ``log_index``.
    """

    __tablename__ = "epcis_events"
    __table_args__ = (Index("ix_epcis_events_time", "event_time"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    capture_id: Mapped[str] = mapped_column(String(36))
    county: Mapped[str] = mapped_column(String(6))
    event_type: Mapped[str] = mapped_column(String(64))
    #: UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (compares as text on every backend).
    event_time: Mapped[str] = mapped_column(String(32))
    biz_step: Mapped[str] = mapped_column(String(512), default="")
    record_time: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class EventEpcRow(Base):
    """An identifier an event names, and in which role."""

    __tablename__ = "epcis_event_epcs"
    __table_args__ = (Index("ix_epcis_event_epcs_epc", "epc"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event: Mapped[int] = mapped_column(ForeignKey("epcis_events.id", ondelete="CASCADE"))
    epc: Mapped[str] = mapped_column(String(512))
    #: ``epc`` (epcList, childEPCs: MATCH_epc), ``io`` (input/output lists), ``parent``
    #: (parentID), ``class`` (an epcClass of a quantity list).
    role: Mapped[str] = mapped_column(String(8))


# The Merkle log, with the layout of ruralflow.trace.log (so `ruralflow trace verify` audits
# the SQLite service database as it stands).
class LogMeta(Base):
    __tablename__ = "tlog_meta"
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LogEntry(Base):
    __tablename__ = "tlog_entries"
    idx: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class LogNode(Base):
    __tablename__ = "tlog_nodes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class LogKey(Base):
    """The capture key (EPCIS ``eventID``) of a log entry, as ``trace.log`` keeps it, within a
    ``scope`` (the capturing county's adcode; empty for keys written by ``trace.log`` itself):
    an ``eventID`` is unique per county, so one county's keys reveal nothing to another."""

    __tablename__ = "tlog_keys"
    scope: Mapped[str] = mapped_column(String(16), primary_key=True, default="")
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[bytes] = mapped_column(LargeBinary)


class LogCheckpoint(Base):
    __tablename__ = "tlog_checkpoints"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(Text)
