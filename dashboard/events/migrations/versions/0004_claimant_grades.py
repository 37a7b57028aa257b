"""Source grading: the claimant register and two grade columns on every revision.

``events`` gains ``source_reliability`` (A–F, a claim's own override of the register) and
``credibility`` (1–6). Both stay NULL on the rows already in the log: a revision is never
rewritten, and a claim without them is graded when it is read (reliability from the register,
credibility from ``confidence`` by the rule in the data dictionary). Being NULL, they are left out
of the content hash (schema.HASH_ONLY_WHEN_SET), so the old digests still match.

``claimants`` holds the register (who a claimant is, its default reliability and why) and
``claimant_relays`` says which claimant texts are an originator relayed by outlets ("Ukrainian
intelligence via Financial Times" is Ukraine HUR relayed by the Financial Times). Both start empty;
seeding loads the built-in register (data/claimants/), and the command line edits them.

Revision ID: 0004_claimant_grades
Revises: 0002_recorded_by
Create Date: 2026-11-30 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_claimant_grades"
down_revision = "0002_recorded_by"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): in place on both back ends, no table copy.
    op.add_column("events", sa.Column("source_reliability", sa.Text(), nullable=True))
    op.add_column("events", sa.Column("credibility", sa.Integer(), nullable=True))
    op.create_table(
        "claimants",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("relation", sa.Text(), nullable=False),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("rationale_url", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=True),
    )
    op.create_table(
        "claimant_relays",
        sa.Column("claimant", sa.Text(), primary_key=True),
        sa.Column("originator", sa.Text(), nullable=False),
        sa.Column("relayed_by", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("claimant_relays")
    op.drop_table("claimants")
    op.drop_column("events", "credibility")
    op.drop_column("events", "source_reliability")
