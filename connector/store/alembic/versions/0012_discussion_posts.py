"""who posted when in a complaint discussion (indicator 31: the first staff answer)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('forum_discussion') as batch:
        batch.add_column(sa.Column('posts', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('forum_discussion') as batch:
        batch.drop_column('posts')
