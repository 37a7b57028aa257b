"""Initial event log: the append-only events table, its head index and the import batches.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 15:53:28.677642
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("batch_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("encoding", sa.String(length=40), nullable=True),
        sa.Column("origin", sa.String(length=100), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_accepted", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("rows_new", sa.Integer(), nullable=False),
        sa.Column("rows_revised", sa.Integer(), nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    op.create_table(
        "events",
        sa.Column("row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("event_date_end", sa.Date(), nullable=True),
        sa.Column("date_precision", sa.Text(), nullable=True),
        sa.Column("reported_date", sa.Date(), nullable=True),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("subcategory", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("counterpart", sa.Text(), nullable=True),
        sa.Column("claimant", sa.Text(), nullable=False),
        sa.Column("figure_low", sa.Float(), nullable=True),
        sa.Column("figure_best", sa.Float(), nullable=True),
        sa.Column("figure_high", sa.Float(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("admin1_code", sa.Text(), nullable=True),
        sa.Column("admin1_name", sa.Text(), nullable=True),
        sa.Column("country_code", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("geo_precision", sa.Integer(), nullable=True),
        sa.Column("missile_name", sa.Text(), nullable=True),
        sa.Column("launch_site", sa.Text(), nullable=True),
        sa.Column("apogee_km", sa.Float(), nullable=True),
        sa.Column("distance_km", sa.Float(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Text(), nullable=True),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=True),
        sa.Column("original_id", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("retracted", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.batch_id"],
        ),
        sa.PrimaryKeyConstraint("row_id"),
        sa.UniqueConstraint("event_id", "revision", name="uq_event_revision"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_recorded_at", ["recorded_at"], unique=False)

    op.create_table(
        "event_heads",
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("retracted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id", "revision"],
            ["events.event_id", "events.revision"],
        ),
        sa.PrimaryKeyConstraint("event_id"),
    )


def downgrade() -> None:
    op.drop_table("event_heads")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_recorded_at")

    op.drop_table("events")
    op.drop_table("import_batches")
