"""notifications, ticket links, ticket escalation

Revision ID: 0cc11fb9c48a
Revises: cc0690ace05a
Create Date: 2026-11-22 17:46:55.237953
"""

import sqlalchemy as sa
from alembic import op

revision = '0cc11fb9c48a'
down_revision = 'cc0690ace05a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('user_id', 'key', name='uq_notification_user_key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at', 'id'], unique=False)

    op.create_table('ticket_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_ticket_link_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_link_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_link')),
    sa.UniqueConstraint('ticket_id', 'target_type', 'target_id', name='uq_ticket_link')
    )
    with op.batch_alter_table('ticket_link', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_link_target', ['target_type', 'target_id'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalation_level', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_column('origin_id')
        batch_op.drop_column('origin_type')



def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin_type', sa.VARCHAR(length=32), nullable=True))
        batch_op.add_column(sa.Column('origin_id', sa.INTEGER(), nullable=True))
        batch_op.drop_column('escalation_level')

    with op.batch_alter_table('ticket_link', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_link_target')

    op.drop_table('ticket_link')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')

    op.drop_table('notification')
