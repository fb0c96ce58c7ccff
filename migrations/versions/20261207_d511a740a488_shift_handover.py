"""Shift handovers, and who answers for an open duty event after one.

Revision ID: d511a740a488
Revises: b7c2e91d4a10
Create Date: 2026-12-07 01:40:49
"""

import sqlalchemy as sa
from alembic import op

revision = 'd511a740a488'
down_revision = 'b7c2e91d4a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duty_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('from_user_id', sa.Integer(), nullable=False),
    sa.Column('to_user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('in_person', sa.JSON(), nullable=False),
    sa.Column('open_items', sa.JSON(), nullable=False),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['duty_id'], ['duty.id'], name=op.f('fk_handover_duty_id_duty'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_handover_estate_id_estate'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['from_user_id'], ['user.id'], name=op.f('fk_handover_from_user_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['to_user_id'], ['user.id'], name=op.f('fk_handover_to_user_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover'))
    )
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_duty_id'), ['duty_id'], unique=False)
        batch_op.create_index('ix_handover_estate_status', ['estate_id', 'status', 'prepared_at'], unique=False)
        batch_op.create_index('uq_handover_waiting_per_duty', ['duty_id'], unique=True, sqlite_where=sa.text("status = 'prepared'"), postgresql_where=sa.text("status = 'prepared'"))

    with op.batch_alter_table('duty_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responsible_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_duty_event_responsible_id_user'), 'user', ['responsible_id'], ['id'], ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('duty_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_duty_event_responsible_id_user'), type_='foreignkey')
        batch_op.drop_column('responsible_id')

    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_index('uq_handover_waiting_per_duty', sqlite_where=sa.text("status = 'prepared'"), postgresql_where=sa.text("status = 'prepared'"))
        batch_op.drop_index('ix_handover_estate_status')
        batch_op.drop_index(batch_op.f('ix_handover_duty_id'))

    op.drop_table('handover')
