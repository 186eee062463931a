"""verdict history: an index for a programme's earlier figures; evaluations whose findings were dropped

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 19:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_verdict_programme_evaluation', 'verdict', ['programme', 'evaluation_id'])
    with op.batch_alter_table('evaluation') as batch:
        batch.add_column(sa.Column('detailed', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('evaluation') as batch:
        batch.drop_column('detailed')
    op.drop_index('ix_verdict_programme_evaluation', 'verdict')
