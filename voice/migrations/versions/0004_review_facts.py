"""Summary rows for the committee's figures (residents, and residents x codes)

Revision ID: 0004_review_facts
Revises: 0003_coding_rounds
Create Date: 2026-11-23 16:20:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0004_review_facts'
down_revision = '0003_coding_rounds'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('resident_key', sa.BigInteger(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('geography_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('groups', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_review_facts_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_facts'))
    )
    with op.batch_alter_table('review_facts', schema=None) as batch_op:
        batch_op.create_index('ix_review_facts_lookup', ['campaign_id', 'code_id', 'created_at'], unique=False)

    op.create_table('review_fact_states',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=200), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_review_fact_states_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', name=op.f('pk_review_fact_states'))
    )


def downgrade():
    op.drop_table('review_fact_states')
    with op.batch_alter_table('review_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_review_facts_lookup')
    op.drop_table('review_facts')
