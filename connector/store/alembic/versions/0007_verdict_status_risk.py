"""verdict evidence status and risk

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('risk', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.drop_column('risk')
        batch_op.drop_column('status')
