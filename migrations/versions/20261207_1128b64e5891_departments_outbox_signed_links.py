"""Departments and their group robots, the outbox of messages, signed links; a work order
held back by its department, and audit rows made without an account.

Revision ID: 1128b64e5891
Revises: d511a740a488
Create Date: 2026-12-07 04:10:14.350334
"""

import sqlalchemy as sa
from alembic import op

revision = '1128b64e5891'
down_revision = 'd511a740a488'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('estate_department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('robot_kind', sa.String(length=16), nullable=False),
    sa.Column('webhook_url', sa.String(length=500), nullable=False),
    sa.Column('robot_secret', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_estate_department_estate_id_estate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_estate_department')),
    sa.UniqueConstraint('estate_id', 'department', name='uq_estate_department')
    )
    op.create_table('signed_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=24), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=True),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_signed_link_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signed_link'))
    )
    with op.batch_alter_table('signed_link', schema=None) as batch_op:
        batch_op.create_index('ix_signed_link_target', ['purpose', 'target_type', 'target_id'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('robot_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('batch', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_outbox_message_estate_id_estate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['robot_id'], ['estate_department.id'], name=op.f('fk_outbox_message_robot_id_estate_department'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('robot_id', 'key', name='uq_outbox_robot_key')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_outbox_robot_sent', ['robot_id', 'sent_at'], unique=False)

    # Not in batch mode: SQLite would copy the table and lose its append-only triggers.
    op.add_column('audit_event', sa.Column('via', sa.String(length=24), nullable=True))
    op.add_column('audit_event', sa.Column('via_name', sa.String(length=40), nullable=True))

    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replied_by', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('hold_kind', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('hold_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('instructions', sa.Text(), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_column('instructions')
        batch_op.drop_column('hold_reason')
        batch_op.drop_column('hold_kind')
        batch_op.drop_column('replied_by')

    op.drop_column('audit_event', 'via_name')
    op.drop_column('audit_event', 'via')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_robot_sent')
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox_message')
    with op.batch_alter_table('signed_link', schema=None) as batch_op:
        batch_op.drop_index('ix_signed_link_target')

    op.drop_table('signed_link')
    op.drop_table('estate_department')
