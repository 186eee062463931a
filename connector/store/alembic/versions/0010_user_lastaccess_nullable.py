"""site-wide last access may be unknown (the participants report does not give it): NULL, not 0

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('moodle_user') as batch:
        batch.alter_column('lastaccess', existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE moodle_user SET lastaccess = 0 WHERE lastaccess IS NULL")
    with op.batch_alter_table('moodle_user') as batch:
        batch.alter_column('lastaccess', existing_type=sa.BigInteger(), nullable=False)
