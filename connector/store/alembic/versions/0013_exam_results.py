"""certification exam results, imported (indicators 2, 3, 11, 16)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'exam_result',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('programme', sa.String(100), nullable=False),
        sa.Column('session', sa.String(100), nullable=False),
        sa.Column('learner', sa.String(255), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('registered', sa.Boolean(), nullable=False),
        sa.Column('presented', sa.Boolean(), nullable=False),
        sa.Column('result', sa.String(20), nullable=False),
        sa.Column('blocs', sa.JSON(), nullable=True),
        sa.Column('exam_date', sa.BigInteger(), nullable=True),
        sa.Column('source_line', sa.Integer(), nullable=False),
    )
    op.create_index('ix_exam_result_programme', 'exam_result', ['programme'])


def downgrade() -> None:
    op.drop_index('ix_exam_result_programme', 'exam_result')
    op.drop_table('exam_result')
