"""Summaries kept up to date by the writers: fact rows keep their quote item; no fingerprint

Revision ID: 0011_incremental_summaries
Revises: 0010_data_keys
Create Date: 2026-12-03 18:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0011_incremental_summaries'
down_revision = '0010_data_keys'
branch_labels = None
depends_on = None


def upgrade():
    # Summaries built before have no quote items: the next write to a campaign (or
    # ``voice review rebuild``) builds them again.
    for table in ('review_cube', 'review_facts', 'review_fact_states'):
        op.execute(f"DELETE FROM {table}")
    with op.batch_alter_table('review_fact_states', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
    with op.batch_alter_table('review_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_review_facts_resident', ['campaign_id', 'resident_key'], unique=False)


def downgrade():
    with op.batch_alter_table('review_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_review_facts_resident')
        batch_op.drop_column('item_id')
    op.execute("DELETE FROM review_fact_states")
    with op.batch_alter_table('review_fact_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=200), nullable=False, server_default=''))
