"""Photos, work orders, patrol templates and rounds, numbering, signatures and amendments.

Revision ID: 3e5357dde791
Revises: 7c46080fd11c
Create Date: 2026-11-22 15:46:25.569647
"""

import sqlalchemy as sa
from alembic import op

revision = '3e5357dde791'
down_revision = '7c46080fd11c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_amendment_author_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment'))
    )
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index('ix_amendment_target', ['target_type', 'target_id'], unique=False)

    op.create_table('number_sequence',
    sa.Column('prefix', sa.String(length=8), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_number_sequence_estate_id_estate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('prefix', 'estate_id', 'day', name=op.f('pk_number_sequence'))
    )
    op.create_table('patrol_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_patrol_template_estate_id_estate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_template')),
    sa.UniqueConstraint('estate_id', 'name', name=op.f('uq_patrol_template_estate_id'))
    )
    with op.batch_alter_table('patrol_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_template_estate_id'), ['estate_id'], unique=False)

    op.create_table('photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_photo_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo')),
    sa.UniqueConstraint('sha256', name=op.f('uq_photo_sha256'))
    )
    op.create_table('signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=False),
    sa.Column('signer_role', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signer_id'], ['user.id'], name=op.f('fk_signature_signer_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature')),
    sa.UniqueConstraint('target_type', 'target_id', 'signer_id', name=op.f('uq_signature_target_type'))
    )
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.create_index('ix_signature_target', ['target_type', 'target_id'], unique=False)

    op.create_table('work_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('origin_type', sa.String(length=32), nullable=False),
    sa.Column('origin_id', sa.Integer(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=False),
    sa.Column('reply_note', sa.Text(), nullable=False),
    sa.Column('fixed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_work_order_estate_id_estate'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['user.id'], name=op.f('fk_work_order_reported_by_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order')),
    sa.UniqueConstraint('number', name=op.f('uq_work_order_number'))
    )
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.create_index('ix_work_order_estate_status', ['estate_id', 'status', 'due_at'], unique=False)
        batch_op.create_index('ix_work_order_origin', ['origin_type', 'origin_id'], unique=False)

    op.create_table('patrol_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('qr_token', sa.String(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['public_area.id'], name=op.f('fk_patrol_checkpoint_area_id_public_area'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['template_id'], ['patrol_template.id'], name=op.f('fk_patrol_checkpoint_template_id_patrol_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_checkpoint')),
    sa.UniqueConstraint('qr_token', name=op.f('uq_patrol_checkpoint_qr_token'))
    )
    with op.batch_alter_table('patrol_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_checkpoint_template_id'), ['template_id'], unique=False)

    op.create_table('patrol_requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['patrol_template.id'], name=op.f('fk_patrol_requirement_template_id_patrol_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_requirement')),
    sa.UniqueConstraint('template_id', 'role', name=op.f('uq_patrol_requirement_template_id'))
    )
    with op.batch_alter_table('patrol_requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_requirement_template_id'), ['template_id'], unique=False)

    op.create_table('patrol_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('patroller_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_patrol_round_estate_id_estate'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['patroller_id'], ['user.id'], name=op.f('fk_patrol_round_patroller_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['template_id'], ['patrol_template.id'], name=op.f('fk_patrol_round_template_id_patrol_template'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_round'))
    )
    with op.batch_alter_table('patrol_round', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_round_estate_started', ['estate_id', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_round_patroller_id'), ['patroller_id'], unique=False)

    op.create_table('photo_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('owner_type', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_photo_link_added_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], name=op.f('fk_photo_link_photo_id_photo'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo_link')),
    sa.UniqueConstraint('photo_id', 'owner_type', 'owner_id', 'purpose', name=op.f('uq_photo_link_photo_id'))
    )
    with op.batch_alter_table('photo_link', schema=None) as batch_op:
        batch_op.create_index('ix_photo_link_owner', ['owner_type', 'owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_link_photo_id'), ['photo_id'], unique=False)

    op.create_table('patrol_check_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['patrol_checkpoint.id'], name=op.f('fk_patrol_check_item_checkpoint_id_patrol_checkpoint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_check_item'))
    )
    with op.batch_alter_table('patrol_check_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_check_item_checkpoint_id'), ['checkpoint_id'], unique=False)

    op.create_table('patrol_checkpoint_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['patrol_checkpoint.id'], name=op.f('fk_patrol_checkpoint_visit_checkpoint_id_patrol_checkpoint'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['patrol_round.id'], name=op.f('fk_patrol_checkpoint_visit_round_id_patrol_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_checkpoint_visit')),
    sa.UniqueConstraint('round_id', 'checkpoint_id', name=op.f('uq_patrol_checkpoint_visit_round_id'))
    )
    op.create_table('patrol_item_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=True),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['patrol_check_item.id'], name=op.f('fk_patrol_item_result_item_id_patrol_check_item'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['patrol_round.id'], name=op.f('fk_patrol_item_result_round_id_patrol_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_patrol_item_result_work_order_id_work_order'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_item_result')),
    sa.UniqueConstraint('round_id', 'item_id', name=op.f('uq_patrol_item_result_round_id'))
    )


def downgrade():
    op.drop_table('patrol_item_result')
    op.drop_table('patrol_checkpoint_visit')
    with op.batch_alter_table('patrol_check_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_check_item_checkpoint_id'))

    op.drop_table('patrol_check_item')
    with op.batch_alter_table('photo_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_link_photo_id'))
        batch_op.drop_index('ix_photo_link_owner')

    op.drop_table('photo_link')
    with op.batch_alter_table('patrol_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_round_patroller_id'))
        batch_op.drop_index('ix_patrol_round_estate_started')

    op.drop_table('patrol_round')
    with op.batch_alter_table('patrol_requirement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_requirement_template_id'))

    op.drop_table('patrol_requirement')
    with op.batch_alter_table('patrol_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_checkpoint_template_id'))

    op.drop_table('patrol_checkpoint')
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_index('ix_work_order_origin')
        batch_op.drop_index('ix_work_order_estate_status')

    op.drop_table('work_order')
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_target')

    op.drop_table('signature')
    op.drop_table('photo')
    with op.batch_alter_table('patrol_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_template_estate_id'))

    op.drop_table('patrol_template')
    op.drop_table('number_sequence')
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index('ix_amendment_target')

    op.drop_table('amendment')
