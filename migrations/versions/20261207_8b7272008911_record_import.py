"""Workbooks of owner and unit records (业户档案), kept from the preview to the import and
afterwards as the record of what an import was made from.

Revision ID: 8b7272008911
Revises: 8b1d5e0c7f42
Create Date: 2026-12-07 15:53:29.069668
"""

import sqlalchemy as sa
from alembic import op

revision = '8b7272008911'
down_revision = '8b1d5e0c7f42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('record_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['applied_by_id'], ['user.id'], name=op.f('fk_record_import_applied_by_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_record_import_estate_id_estate'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_record_import_uploaded_by_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_import'))
    )
    with op.batch_alter_table('record_import', schema=None) as batch_op:
        batch_op.create_index('ix_record_import_estate_created', ['estate_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('record_import', schema=None) as batch_op:
        batch_op.drop_index('ix_record_import_estate_created')

    op.drop_table('record_import')
