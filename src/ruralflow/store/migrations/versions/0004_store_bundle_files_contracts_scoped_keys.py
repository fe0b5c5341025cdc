"""Store bundles' optional files and cooperatives' contracts; scope the log's keys by county.

- ``bundle_files`` (each optional file of a bundle as imported: the benefit-sharing files
  and the up-flow files) and ``contract_signatures`` (one row per farmer and contract of
  ``contracts.csv``);
- ``tlog_keys`` gets a ``scope`` column (the capturing county) and the primary key
  ``(scope, key)``: an ``eventID`` is unique per county, so a capture never reveals that
  another county uses it;
- the service's own ``eventID`` index (``epcis_events.event_id``, unique per database) is
  dropped: the log's keys serve. Events captured before this revision get their key: the
  ``eventID`` they carry, else their CBV 2.0 event hash ID (``trace.event_hash_id``), which
  replaces the old ``ni:///sha-256;{hex of the entry bytes}`` name.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 03:50:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def _key_triggers() -> None:
    if _sqlite():
        for what in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER tlog_keys_no_{what} BEFORE {what.upper()} ON tlog_keys "
                "BEGIN SELECT RAISE(ABORT, 'tlog_keys is append-only'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER tlog_keys_append_only BEFORE UPDATE OR DELETE ON tlog_keys "
            "FOR EACH ROW EXECUTE FUNCTION tlog_append_only()"
        )


def _rebuild_keys_sqlite(scoped: bool) -> None:
    """SQLite cannot change a primary key: copy the (append-only) table into a new one."""
    for what in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS tlog_keys_no_{what}")
    cols = "scope VARCHAR(16) NOT NULL DEFAULT '', " if scoped else ""
    pk = "scope, key" if scoped else "key"
    op.execute(
        f"CREATE TABLE tlog_keys_new ({cols}key TEXT NOT NULL, idx BIGINT NOT NULL, "
        f"digest BLOB NOT NULL, CONSTRAINT pk_tlog_keys PRIMARY KEY ({pk}))"
    )
    op.execute(
        "INSERT INTO tlog_keys_new (key, idx, digest) SELECT key, idx, digest FROM tlog_keys"
    )
    op.execute("DROP TABLE tlog_keys")
    op.execute("ALTER TABLE tlog_keys_new RENAME TO tlog_keys")
    _key_triggers()


def _key_old_events() -> None:
    """Give every event captured before this revision its capture key in its county."""
    from ruralflow.trace.hashid import event_fingerprint, event_hash_id

    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT e.county, e.log_index, t.data FROM epcis_events e "
            "JOIN tlog_entries t ON t.idx = e.log_index ORDER BY e.log_index"
        )
    ).all()
    have = {(str(s), str(k)) for s, k in conn.execute(sa.text("SELECT scope, key FROM tlog_keys"))}
    for county, idx, data in rows:
        event = json.loads(bytes(data).decode("utf-8"))
        ctx = event.get("@context")
        eid = event.get("eventID")
        key = eid if isinstance(eid, str) and eid.strip() else event_hash_id(event, ctx)
        if (str(county), key) in have:
            continue
        have.add((str(county), key))
        conn.execute(
            sa.text("INSERT INTO tlog_keys (scope, key, idx, digest) VALUES (:s, :k, :i, :d)"),
            {"s": county, "k": key, "i": idx, "d": event_fingerprint(event, ctx)},
        )


def upgrade() -> None:
    op.create_table(
        "bundle_files",
        sa.Column("id", _ID, nullable=False),
        sa.Column("county_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"],
            ["counties.id"],
            name=op.f("fk_bundle_files_county_id_counties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_files")),
        sa.UniqueConstraint("county_id", "name", name=op.f("uq_bundle_files_county_id")),
    )
    op.create_table(
        "contract_signatures",
        sa.Column("id", _ID, nullable=False),
        sa.Column("county_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("contract", sa.String(length=64), nullable=False),
        sa.Column("farmer", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"],
            ["counties.id"],
            name=op.f("fk_contract_signatures_county_id_counties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_signatures")),
        sa.UniqueConstraint(
            "county_id", "position", name=op.f("uq_contract_signatures_county_id")
        ),
    )
    with op.batch_alter_table("contract_signatures", schema=None) as batch_op:
        batch_op.create_index("ix_contract_signatures_farmer", ["county_id", "farmer"])

    if _sqlite():
        _rebuild_keys_sqlite(scoped=True)
    else:
        op.execute("ALTER TABLE tlog_keys ADD COLUMN scope VARCHAR(16) NOT NULL DEFAULT ''")
        op.execute("ALTER TABLE tlog_keys DROP CONSTRAINT pk_tlog_keys")
        op.execute("ALTER TABLE tlog_keys ADD CONSTRAINT pk_tlog_keys PRIMARY KEY (scope, key)")
    _key_old_events()
    _drop_event_id()


def _drop_event_id() -> None:
    if not _sqlite():
        op.drop_column("epcis_events", "event_id")
        return
    # SQLite rebuilds the table; dropping the old one (foreign keys on) cascades to the
    # identifiers of its events, so keep them aside and put them back.
    op.execute("CREATE TEMP TABLE _keep_epcs AS SELECT id, event, epc, role FROM epcis_event_epcs")
    with op.batch_alter_table("epcis_events", schema=None, recreate="always") as batch_op:
        batch_op.drop_constraint("uq_epcis_events_event_id", type_="unique")
        batch_op.drop_column("event_id")
    op.execute(
        "INSERT OR IGNORE INTO epcis_event_epcs (id, event, epc, role) "
        "SELECT id, event, epc, role FROM _keep_epcs"
    )
    op.execute("DROP TABLE _keep_epcs")


def downgrade() -> None:
    conn = op.get_bind()
    clash = conn.execute(
        sa.text("SELECT key FROM tlog_keys GROUP BY key HAVING COUNT(*) > 1 LIMIT 1")
    ).scalar()
    if clash is not None:
        raise RuntimeError(
            f"cannot downgrade: eventID {clash!r} is captured by more than one county"
        )
    with op.batch_alter_table("epcis_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.String(length=512), nullable=True))
    conn.execute(
        sa.text(
            "UPDATE epcis_events SET event_id = (SELECT k.key FROM tlog_keys k "
            "WHERE k.idx = epcis_events.log_index AND k.scope = epcis_events.county)"
        )
    )
    if _sqlite():
        op.execute(
            "CREATE TEMP TABLE _keep_epcs AS SELECT id, event, epc, role FROM epcis_event_epcs"
        )
    with op.batch_alter_table("epcis_events", schema=None) as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.String(length=512), nullable=False)
        batch_op.create_unique_constraint("uq_epcis_events_event_id", ["event_id"])
    if _sqlite():
        op.execute(
            "INSERT OR IGNORE INTO epcis_event_epcs (id, event, epc, role) "
            "SELECT id, event, epc, role FROM _keep_epcs"
        )
        op.execute("DROP TABLE _keep_epcs")
        _rebuild_keys_sqlite(scoped=False)
    else:
        op.execute("DROP TRIGGER IF EXISTS tlog_keys_append_only ON tlog_keys")
        op.execute("ALTER TABLE tlog_keys DROP CONSTRAINT pk_tlog_keys")
        op.execute("ALTER TABLE tlog_keys DROP COLUMN scope")
        op.execute("ALTER TABLE tlog_keys ADD CONSTRAINT pk_tlog_keys PRIMARY KEY (key)")
        _key_triggers()
    with op.batch_alter_table("contract_signatures", schema=None) as batch_op:
        batch_op.drop_index("ix_contract_signatures_farmer")
    op.drop_table("contract_signatures")
    op.drop_table("bundle_files")
