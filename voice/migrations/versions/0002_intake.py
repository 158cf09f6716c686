"""Online intake: a resident's unfinished survey, and shared per-address rate counters

Revision ID: 0002_intake
Revises: 0002_jobs_models
Create Date: 2026-11-23 15:01:39.058493

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0002_intake'
down_revision = '0002_jobs_models'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('rate_counters',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window_start', name=op.f('pk_rate_counters'))
    )
    op.create_table('survey_progress',
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('survey_version_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_version_id'], ['survey_versions.id'], name=op.f('fk_survey_progress_survey_version_id_survey_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_progress_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('uuid', name=op.f('pk_survey_progress'))
    )
    with op.batch_alter_table('survey_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_progress_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_progress_updated_at'), ['updated_at'], unique=False)




def downgrade():
    
    with op.batch_alter_table('survey_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_progress_updated_at'))
        batch_op.drop_index(batch_op.f('ix_survey_progress_survey_id'))

    op.drop_table('survey_progress')
    op.drop_table('rate_counters')

