"""The repeat instance an answer belongs to (answers.instance, e.g. "members/2"; "" outside repeats)

Revision ID: 0009_answer_instance
Revises: 0008_media
Create Date: 2026-12-03 18:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009_answer_instance'
down_revision = '0008_media'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instance', sa.String(length=200), server_default='', nullable=False))
        batch_op.drop_constraint('uq_answers_response_id_question', type_='unique')
        batch_op.create_unique_constraint('uq_answers_response_id_question_instance',
                                          ['response_id', 'question', 'instance'])


def downgrade():
    # Answers of repeat instances have no place in the older table: they go with the column.
    op.execute("DELETE FROM answers WHERE instance != ''")
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_constraint('uq_answers_response_id_question_instance', type_='unique')
        batch_op.create_unique_constraint('uq_answers_response_id_question', ['response_id', 'question'])
        batch_op.drop_column('instance')
