"""Residents counted by quarter and dimension for the dashboard (review_cube); newest-items index

Revision ID: 0005_review_cube
Revises: 0004_review_facts
Create Date: 2026-11-23 18:10:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0005_review_cube'
down_revision = '0004_review_facts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_cube',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('code_key', sa.String(length=200), nullable=False),
    sa.Column('geography_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=40), nullable=True),
    sa.Column('group_key', sa.String(length=40), nullable=False),
    sa.Column('group_value', sa.String(length=200), nullable=True),
    sa.Column('residents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_review_cube_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_cube'))
    )
    with op.batch_alter_table('review_cube', schema=None) as batch_op:
        batch_op.create_index('ix_review_cube_lookup', ['campaign_id', 'group_key', 'quarter'], unique=False)
    # Summaries built before the cube existed are stale: the next dashboard request rebuilds them.
    op.execute("DELETE FROM review_fact_states")
    with op.batch_alter_table('review_fact_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_sets', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False, server_default='{}'))
    with op.batch_alter_table('voice_items', schema=None) as batch_op:
        batch_op.create_index('ix_voice_items_campaign_created', ['campaign_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('voice_items', schema=None) as batch_op:
        batch_op.drop_index('ix_voice_items_campaign_created')
    with op.batch_alter_table('review_fact_states', schema=None) as batch_op:
        batch_op.drop_column('options')
        batch_op.drop_column('code_sets')
    with op.batch_alter_table('review_cube', schema=None) as batch_op:
        batch_op.drop_index('ix_review_cube_lookup')
    op.drop_table('review_cube')
