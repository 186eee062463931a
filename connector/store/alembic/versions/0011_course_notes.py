"""course and site notes on learners (follow-up traces of indicator 12)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'course_note',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('course_id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(10), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('created', sa.BigInteger(), nullable=False),
        sa.Column('lastmodified', sa.BigInteger(), nullable=False),
    )
    op.create_index('ix_course_note_course_id', 'course_note', ['course_id'])
    op.create_index('ix_course_note_user_id', 'course_note', ['user_id'])


def downgrade() -> None:
    op.drop_index('ix_course_note_user_id', 'course_note')
    op.drop_index('ix_course_note_course_id', 'course_note')
    op.drop_table('course_note')
