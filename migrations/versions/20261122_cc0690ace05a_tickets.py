"""Tickets (complaints, repairs, inquiries, suggestions) and their timeline entries.

Revision ID: cc0690ace05a
Revises: 21539d06b4fe
Create Date: 2026-11-22 16:54:31.568312
"""

import sqlalchemy as sa
from alembic import op

revision = 'cc0690ace05a'
down_revision = '21539d06b4fe'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('reporter_name', sa.String(length=64), nullable=False),
    sa.Column('reporter_phone', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('taker_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('department', sa.String(length=16), nullable=True),
    sa.Column('tracking_hash', sa.String(length=64), nullable=True),
    sa.Column('next_follow_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('investigation_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('investigated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('satisfaction', sa.String(length=16), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('origin_type', sa.String(length=32), nullable=True),
    sa.Column('origin_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['user.id'], name=op.f('fk_ticket_assignee_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_ticket_estate_id_estate'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_ticket_owner_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['taker_id'], ['user.id'], name=op.f('fk_ticket_taker_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ticket_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket')),
    sa.UniqueConstraint('number', name=op.f('uq_ticket_number'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index('ix_ticket_estate_status_created', ['estate_id', 'status', 'created_at'], unique=False)
        batch_op.create_index('ix_ticket_follow_up', ['status', 'next_follow_up_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_unit_id'), ['unit_id'], unique=False)

    op.create_table('ticket_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_ticket_entry_author_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_entry_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_entry'))
    )
    with op.batch_alter_table('ticket_entry', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_entry_ticket', ['ticket_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('ticket_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_entry_ticket')

    op.drop_table('ticket_entry')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_unit_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_owner_id'))
        batch_op.drop_index('ix_ticket_follow_up')
        batch_op.drop_index('ix_ticket_estate_status_created')
        batch_op.drop_index(batch_op.f('ix_ticket_assignee_id'))

    op.drop_table('ticket')
