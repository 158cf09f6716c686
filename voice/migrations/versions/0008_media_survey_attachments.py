"""Survey attachments: the media files (images, sound, video) a survey's labels and choices show

Revision ID: 0008_media
Revises: 0007_campaign_time_zone
Create Date: 2026-12-03 18:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0008_media'
down_revision = '0007_campaign_time_zone'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_attachments_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_attachments')),
    sa.UniqueConstraint('survey_id', 'sha256', name=op.f('uq_survey_attachments_survey_id_sha256'))
    )
    with op.batch_alter_table('survey_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_attachments_survey_id'), ['survey_id'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_attachments_survey_id'))
    op.drop_table('survey_attachments')
