"""Decoration sites: permits, rules, inspections and rectification notices.

Revision ID: 21539d06b4fe
Revises: 3e5357dde791
Create Date: 2026-11-22 16:20:20.891602
"""

import sqlalchemy as sa
from alembic import op

revision = '21539d06b4fe'
down_revision = '3e5357dde791'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('decoration_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_decoration_rule_estate_id_estate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decoration_rule'))
    )
    with op.batch_alter_table('decoration_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decoration_rule_estate_id'), ['estate_id'], unique=False)

    op.create_table('decoration_permit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('owner_name', sa.String(length=64), nullable=False),
    sa.Column('owner_phone', sa.String(length=20), nullable=False),
    sa.Column('contractor', sa.String(length=100), nullable=False),
    sa.Column('site_lead', sa.String(length=64), nullable=False),
    sa.Column('site_lead_phone', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=False),
    sa.Column('deposit', sa.Integer(), nullable=False),
    sa.Column('deposit_status', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('status_note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_decoration_permit_created_by_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_decoration_permit_estate_id_estate'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_decoration_permit_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decoration_permit')),
    sa.UniqueConstraint('number', name=op.f('uq_decoration_permit_number'))
    )
    with op.batch_alter_table('decoration_permit', schema=None) as batch_op:
        batch_op.create_index('ix_decoration_permit_estate_status', ['estate_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_decoration_permit_unit_id'), ['unit_id'], unique=False)

    op.create_table('decoration_inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('inspected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['inspector_id'], ['user.id'], name=op.f('fk_decoration_inspection_inspector_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['permit_id'], ['decoration_permit.id'], name=op.f('fk_decoration_inspection_permit_id_decoration_permit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decoration_inspection'))
    )
    with op.batch_alter_table('decoration_inspection', schema=None) as batch_op:
        batch_op.create_index('ix_decoration_inspection_permit', ['permit_id', 'inspected_at'], unique=False)

    op.create_table('decoration_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['decoration_inspection.id'], name=op.f('fk_decoration_result_inspection_id_decoration_inspection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['decoration_rule.id'], name=op.f('fk_decoration_result_rule_id_decoration_rule'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decoration_result'))
    )
    with op.batch_alter_table('decoration_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decoration_result_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('rectification_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('rule_text', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('owner_reply', sa.Text(), nullable=False),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rectified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_rectification_notice_estate_id_estate'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_rectification_notice_issued_by_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['permit_id'], ['decoration_permit.id'], name=op.f('fk_rectification_notice_permit_id_decoration_permit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_id'], ['decoration_result.id'], name=op.f('fk_rectification_notice_result_id_decoration_result'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_rectification_notice_unit_id_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['written_by_id'], ['user.id'], name=op.f('fk_rectification_notice_written_by_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_notice')),
    sa.UniqueConstraint('number', name=op.f('uq_rectification_notice_number'))
    )
    with op.batch_alter_table('rectification_notice', schema=None) as batch_op:
        batch_op.create_index('ix_rectification_notice_estate_status', ['estate_id', 'status', 'deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_notice_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_notice_unit_id'), ['unit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('rectification_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_notice_unit_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_notice_permit_id'))
        batch_op.drop_index('ix_rectification_notice_estate_status')

    op.drop_table('rectification_notice')
    with op.batch_alter_table('decoration_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decoration_result_inspection_id'))

    op.drop_table('decoration_result')
    with op.batch_alter_table('decoration_inspection', schema=None) as batch_op:
        batch_op.drop_index('ix_decoration_inspection_permit')

    op.drop_table('decoration_inspection')
    with op.batch_alter_table('decoration_permit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decoration_permit_unit_id'))
        batch_op.drop_index('ix_decoration_permit_estate_status')

    op.drop_table('decoration_permit')
    with op.batch_alter_table('decoration_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decoration_rule_estate_id'))

    op.drop_table('decoration_rule')
