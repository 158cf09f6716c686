"""A campaign's time zone (campaigns.time_zone, an IANA name; existing campaigns keep UTC)

Revision ID: 0007_campaign_time_zone
Revises: 0006_sign_in_addresses
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0007_campaign_time_zone'
down_revision = '0006_sign_in_addresses'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False))


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
