"""snapshots of documents held in Moodle (the auditor's dossier)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'snapshot',
        sa.Column('url', sa.String(length=1000), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('listed_size', sa.BigInteger(), nullable=True),
        sa.Column('listed_time', sa.BigInteger(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('size', sa.BigInteger(), nullable=True),
        sa.Column('content_type', sa.String(length=100), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('url'),
    )


def downgrade() -> None:
    op.drop_table('snapshot')
