"""registers (mod_data or spreadsheets) and module contents for evidence

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_time', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('files', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('target', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('text_chars', sa.Integer(), nullable=True))
    op.create_table(
        'register_database',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('cmid', sa.Integer(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'register_entry',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('ref', sa.String(length=100), nullable=False),
        sa.Column('database_id', sa.Integer(), nullable=True),
        sa.Column('origin', sa.Text(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('url', sa.Text(), nullable=True),
        sa.Column('timecreated', sa.BigInteger(), nullable=True),
        sa.Column('timemodified', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('kind', 'source', 'ref'),
    )


def downgrade() -> None:
    op.drop_table('register_entry')
    op.drop_table('register_database')
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.drop_column('text_chars')
        batch_op.drop_column('target')
        batch_op.drop_column('files')
        batch_op.drop_column('content_time')
