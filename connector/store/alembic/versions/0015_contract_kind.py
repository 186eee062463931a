"""contract type: apprentissage or professionnalisation (indicator 13's wording)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contract') as batch:
        batch.add_column(sa.Column('kind', sa.String(30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contract') as batch:
        batch.drop_column('kind')
