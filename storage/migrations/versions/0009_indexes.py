"""indexes for deleting: a person's, a case's and a message's rows found without reading whole tables (issue 10)

At the scale of issue 10 (100,000 contacts, 1,000,000 messages) the daily purge took more than five minutes:
every deleted case or contact made SQLite search the outbox, the appointments and the reminders row by row for
what refers to it. With these it takes seconds.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_outbox_lane", "outbox", ["lane", "status", "id"]),
    ("ix_outbox_user_key", "outbox", ["user_key"]),
    ("ix_outbox_contact", "outbox", ["contact_id"]),
    ("ix_outbox_case", "outbox", ["case_id"]),
    ("ix_outbox_case_message", "outbox", ["case_message_id"]),
    ("ix_cases_contact", "cases", ["contact_id"]),
    ("ix_appointments_case", "appointments", ["case_id"]),
    ("ix_reminders_appointment", "reminders", ["appointment_id"]),
    ("ix_hour_notes_case_id", "hour_notes", ["case_id"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
