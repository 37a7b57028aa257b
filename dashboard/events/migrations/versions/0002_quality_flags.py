"""Quality flags: the events table gains ``quality_flags`` (what an outside source gives inconsistently).

Existing rows get NULL (no flag), which is what they meant; their content hashes stay valid
because an empty ``quality_flags`` is left out of the hash (schema.HASH_ONLY_WHEN_SET).

Revision ID: 0002_quality_flags
Revises: 0001
Create Date: 2026-11-30 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_quality_flags"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quality_flags", sa.Text(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite >= 3.35): batch mode would copy the table, which the
    # event_heads foreign key forbids.
    op.drop_column("events", "quality_flags")
