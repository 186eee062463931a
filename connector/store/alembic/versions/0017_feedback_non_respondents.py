"""Moodle's list of non-respondents of named surveys (indicator 30's reminders)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'feedback_non_respondent',
        sa.Column('feedback_id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('user_id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('started', sa.Boolean(), nullable=False),
    )
    op.create_index('ix_feedback_non_respondent_user_id', 'feedback_non_respondent', ['user_id'])
    with op.batch_alter_table('feedback') as batch:
        batch.add_column(sa.Column('non_respondents_read', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('feedback') as batch:
        batch.drop_column('non_respondents_read')
    op.drop_index('ix_feedback_non_respondent_user_id', 'feedback_non_respondent')
    op.drop_table('feedback_non_respondent')
