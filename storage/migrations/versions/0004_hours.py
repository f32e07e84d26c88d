"""hours: pool, entries, notes, changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('hour_pools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('budget_minutes', sa.Integer(), nullable=False),
    sa.Column('cap_minutes', sa.Integer(), nullable=True),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('warned_80_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('warned_95_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['set_by'], ['staff_members.id'], name=op.f('fk_hour_pools_set_by_staff_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hour_pools'))
    )
    op.create_table('hour_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('activity', sa.String(length=16), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('worked_on', sa.Date(), nullable=False),
    sa.Column('origin_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('origin_message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_hour_entries_case_id_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_members.id'], name=op.f('fk_hour_entries_staff_id_staff_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hour_entries'))
    )
    with op.batch_alter_table('hour_entries', schema=None) as batch_op:
        batch_op.create_index('ix_hour_entries_case', ['case_id'], unique=False)
        batch_op.create_index('ix_hour_entries_day', ['worked_on'], unique=False)
        batch_op.create_index('uq_hour_entries_origin', ['origin_chat_id', 'origin_message_id'], unique=True)

    op.create_table('hour_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('old_minutes', sa.Integer(), nullable=False),
    sa.Column('new_minutes', sa.Integer(), nullable=True),
    sa.Column('note_changed', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['hour_entries.id'], name=op.f('fk_hour_changes_entry_id_hour_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_members.id'], name=op.f('fk_hour_changes_staff_id_staff_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hour_changes'))
    )
    with op.batch_alter_table('hour_changes', schema=None) as batch_op:
        batch_op.create_index('ix_hour_changes_entry', ['entry_id'], unique=False)

    op.create_table('hour_notes',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('text_enc', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_hour_notes_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['hour_entries.id'], name=op.f('fk_hour_notes_entry_id_hour_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_hour_notes'))
    )



def downgrade() -> None:

    op.drop_table('hour_notes')
    with op.batch_alter_table('hour_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_hour_changes_entry')

    op.drop_table('hour_changes')
    with op.batch_alter_table('hour_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_hour_entries_origin')
        batch_op.drop_index('ix_hour_entries_day')
        batch_op.drop_index('ix_hour_entries_case')

    op.drop_table('hour_entries')
    op.drop_table('hour_pools')

