"""Surveys' completion and resubmission settings (the signal of new answers)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feedback') as batch:
        batch.add_column(sa.Column('completionsubmit', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('multiple_submit', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('feedback') as batch:
        batch.drop_column('multiple_submit')
        batch.drop_column('completionsubmit')
