"""abuse limits, key rotation, instance lock (issue 7)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_guards",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("told", sa.Integer(), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_by", sa.Integer(), nullable=True),
        sa.Column("block_told", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_guards_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["blocked_by"],
            ["staff_members.id"],
            name=op.f("fk_contact_guards_blocked_by_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contact_guards")),
    )
    op.create_table(
        "instance_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("instance", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("process_started", sa.BigInteger(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_lease")),
    )


def downgrade() -> None:
    op.drop_table("instance_lease")
    op.drop_table("contact_guards")
