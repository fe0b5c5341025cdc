"""Add the trace log's capture keys (``tlog_keys``, append-only like the other log tables).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tlog_keys",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_tlog_keys")),
    )
    if op.get_bind().dialect.name == "sqlite":
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


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tlog_keys_append_only ON tlog_keys")
    op.drop_table("tlog_keys")
