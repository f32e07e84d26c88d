"""bus announcements and subscriptions (issue 6)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("step", sa.String(length=12), nullable=False),
        sa.Column("place", sa.String(length=32), nullable=True),
        sa.Column("stop_id", sa.Integer(), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=True),
        sa.Column("until_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("text_enc", sa.LargeBinary(), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("panel_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("panel_message_id", sa.BigInteger(), nullable=True),
        sa.Column("panel_lane", sa.String(length=40), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["announcements.id"],
            name=op.f("fk_announcements_corrects_id_announcements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_announcements_staff_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"], ["stops.id"], name=op.f("fk_announcements_stop_id_stops"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_index("ix_announcements_status", "announcements", ["status", "created_at"], unique=False)

    op.create_table(
        "announcement_recipients",
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_recipients_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_announcement_recipients_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("announcement_id", "contact_id", name=op.f("pk_announcement_recipients")),
    )
    op.create_index("ix_announcement_recipients_contact", "announcement_recipients", ["contact_id"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_subscriptions_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index("ix_subscriptions_place", "subscriptions", ["place"], unique=False)
    op.create_index("uq_subscriptions_contact_place", "subscriptions", ["contact_id", "place"], unique=True)

    op.create_table(
        "day_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_day_notes_announcement_id_announcements"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_notes")),
        sa.UniqueConstraint("on_date", name=op.f("uq_day_notes_on_date")),
    )
    op.create_index("ix_day_notes_pending", "day_notes", ["status", "due_at"], unique=False)

    op.create_table(
        "bus_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("live_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_bus_positions_staff_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bus_positions")),
    )
    op.create_index("uq_bus_positions_message", "bus_positions", ["chat_id", "message_id"], unique=True)

    # A broadcast's rows in the outbox carry their announcement: its progress and reach are counted from them.
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("announcement_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_outbox_announcement", ["announcement_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_announcement")
        batch_op.drop_column("announcement_id")
    op.drop_index("uq_bus_positions_message", table_name="bus_positions")
    op.drop_table("bus_positions")
    op.drop_index("ix_day_notes_pending", table_name="day_notes")
    op.drop_table("day_notes")
    op.drop_index("uq_subscriptions_contact_place", table_name="subscriptions")
    op.drop_index("ix_subscriptions_place", table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_index("ix_announcement_recipients_contact", table_name="announcement_recipients")
    op.drop_table("announcement_recipients")
    op.drop_index("ix_announcements_status", table_name="announcements")
    op.drop_table("announcements")
