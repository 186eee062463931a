"""RNCP/RS fiche details: délivrance limit, partners with their habilitation, certifiers' SIRET (7, 16)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 16:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rncp_fiche') as batch:
        batch.add_column(sa.Column('details', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rncp_fiche') as batch:
        batch.drop_column('details')
