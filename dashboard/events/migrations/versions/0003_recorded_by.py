"""Who did it: a ``recorded_by`` column on import batches and on every revision.

Rows written before this migration keep NULL there (nobody recorded who wrote them);
the dashboard and ``history`` show that as unknown.

Revision ID: 0002_recorded_by
Revises: 0002_quality_flags (chained after it when both landed)
Create Date: 2026-11-30 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_recorded_by"
down_revision = "0002_quality_flags"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default) on both back ends: SQLite does it in place, so a
    # large log is not copied table by table as batch mode's "move and copy" would.
    op.add_column("import_batches", sa.Column("recorded_by", sa.Text(), nullable=True))
    op.add_column("events", sa.Column("recorded_by", sa.Text(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite >= 3.35): batch mode would copy the table, which the
    # event_heads foreign key forbids.
    op.drop_column("events", "recorded_by")
    op.drop_column("import_batches", "recorded_by")
