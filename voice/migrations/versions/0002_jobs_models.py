"""Jobs and NLP models

Revision ID: 0002_jobs_models
Revises: 0001_core
Create Date: 2026-11-23 15:02:32.335310

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0002_jobs_models'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('nlp_run', 'nlp_train')", name=op.f('ck_jobs_kind_valid')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_jobs_status_valid')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_jobs_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_table('nlp_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.String(length=64), nullable=False),
    sa.Column('codebook_hash', sa.String(length=64), nullable=True),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('arrays', sa.LargeBinary(), nullable=False),
    sa.Column('metrics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('training_counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('trained_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trained_by_id'], ['users.id'], name=op.f('fk_nlp_models_trained_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nlp_models')),
    sa.UniqueConstraint('model_id', name=op.f('uq_nlp_models_model_id'))
    )
    with op.batch_alter_table('nlp_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nlp_models_is_current'), ['is_current'], unique=False)




def downgrade():

    with op.batch_alter_table('nlp_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nlp_models_is_current'))

    op.drop_table('nlp_models')
    op.drop_table('jobs')

