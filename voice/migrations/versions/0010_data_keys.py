"""Encryption at rest and retention: the data keys that wrote values, a campaign's raw-text period

Adds data_keys (each key's fingerprint, to refuse a wrong key at start) and
campaigns.raw_text_days (raw text is erased that many days after the campaign ends).

The schema only: the columns that hold residents' words keep their types (text, or JSON
holding one encrypted string). Existing clear values are encrypted afterwards by
``voice keys encrypt``, in committed batches with progress, because a migration runs as one
transaction on PostgreSQL (killed, it starts over) and has no key ring of its own.

Revision ID: 0010_data_keys
Revises: 0009_answer_instance
Create Date: 2026-12-03 18:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010_data_keys'
down_revision = '0009_answer_instance'
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
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw_text_days', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('raw_text_days')
    op.drop_table('data_keys')
