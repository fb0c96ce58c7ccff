"""The key register: the estate's keys and their loans.

Revision ID: b7c2e91d4a10
Revises: 5a3a9fd12558
Create Date: 2026-12-07 01:40:49
"""

import sqlalchemy as sa
from alembic import op

revision = 'b7c2e91d4a10'
down_revision = '5a3a9fd12558'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('estate_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_estate_key_estate_id_estate'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_estate_key_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_estate_key')),
    sa.UniqueConstraint('estate_id', 'label', name='uq_estate_key_label')
    )
    op.create_table('key_loan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('borrower_kind', sa.String(length=16), nullable=False),
    sa.Column('borrower_name', sa.String(length=64), nullable=False),
    sa.Column('borrower_phone', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('lent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lent_by_id', sa.Integer(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=False),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_to_id', sa.Integer(), nullable=True),
    sa.Column('return_note', sa.String(length=200), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_key_loan_estate_id_estate'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['key_id'], ['estate_key.id'], name=op.f('fk_key_loan_key_id_estate_key'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lent_by_id'], ['user.id'], name=op.f('fk_key_loan_lent_by_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['responsible_id'], ['user.id'], name=op.f('fk_key_loan_responsible_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['returned_to_id'], ['user.id'], name=op.f('fk_key_loan_returned_to_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_loan'))
    )
    with op.batch_alter_table('key_loan', schema=None) as batch_op:
        batch_op.create_index('ix_key_loan_estate_out', ['estate_id', 'returned_at', 'due_at'], unique=False)
        batch_op.create_index('ix_key_loan_key', ['key_id', 'lent_at'], unique=False)
        batch_op.create_index('uq_key_loan_out', ['key_id'], unique=True, sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))


def downgrade():
    with op.batch_alter_table('key_loan', schema=None) as batch_op:
        batch_op.drop_index('uq_key_loan_out', sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))
        batch_op.drop_index('ix_key_loan_key')
        batch_op.drop_index('ix_key_loan_estate_out')

    op.drop_table('key_loan')
    op.drop_table('estate_key')
