"""retention and the young person's rights (issue 7): anonymous rows for the statistics, case contents deleted

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild): on SQLite a rebuild of `cases` would cascade into its children.
    op.add_column("cases", sa.Column("contents_deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "anon_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_contact_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column("place", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anon_people")),
    )
    op.create_table(
        "anon_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("active_on", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["anon_people.id"], name=op.f("fk_anon_activity_person_id_anon_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anon_activity")),
    )
    op.create_index("uq_anon_activity_day", "anon_activity", ["person_id", "active_on"], unique=True)
    op.create_table(
        "anon_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_answer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anon_cases")),
    )
    op.create_table(
        "anon_case_hours",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("anon_case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["anon_case_id"],
            ["anon_cases.id"],
            name=op.f("fk_anon_case_hours_anon_case_id_anon_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["hour_entries.id"], name=op.f("fk_anon_case_hours_entry_id_hour_entries"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_anon_case_hours")),
    )
    op.create_table(
        "anon_appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anon_appointments")),
    )


def downgrade() -> None:
    op.drop_table("anon_appointments")
    op.drop_table("anon_case_hours")
    op.drop_table("anon_cases")
    op.drop_index("uq_anon_activity_day", table_name="anon_activity")
    op.drop_table("anon_activity")
    op.drop_table("anon_people")
    op.drop_column("cases", "contents_deleted_at")
