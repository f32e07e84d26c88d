"""crisis flags, office-hours digest (issue 7, crisis and office hours)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild): on SQLite a rebuild of `cases` or `contacts` would cascade into children.
    op.add_column("cases", sa.Column("urgent_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("urgent_reason", sa.String(length=16), nullable=True))
    op.add_column("staff_members", sa.Column("on_duty", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("contacts", sa.Column("office_notice_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "office_digests",
        sa.Column("opening_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("opening_at", name=op.f("pk_office_digests")),
    )


def downgrade() -> None:
    op.drop_table("office_digests")
    op.drop_column("contacts", "office_notice_at")
    op.drop_column("staff_members", "on_duty")
    op.drop_column("cases", "urgent_reason")
    op.drop_column("cases", "urgent_at")
