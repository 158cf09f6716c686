"""Encryption at rest: the data keys that wrote values (data_keys)

Adds data_keys: each key's fingerprint, so that a wrong key is refused at start.

The schema only: the columns that hold residents' words keep their types (text, or JSON
holding one encrypted string). Existing clear values are encrypted afterwards by
``voice keys encrypt``, in committed batches with progress, because a migration runs as one
transaction on PostgreSQL (killed, it starts over) and has no key ring of its own.

Revision ID: 0008_crypto
Revises: 0007_campaign_time_zone
Create Date: 2026-12-03 18:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0008_crypto'
down_revision = '0007_campaign_time_zone'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_keys',
        sa.Column('key_id', sa.String(length=16), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key_id'),
    )


def downgrade():
    op.drop_table('data_keys')
