"""Failed sign-ins keyed by the address they came from (an HMAC), to throttle per account and address

Revision ID: 0006_sign_in_addresses
Revises: 0005_review_cube
Create Date: 2026-12-03 15:45:11

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0006_sign_in_addresses'
down_revision = '0005_review_cube'
branch_labels = None
depends_on = None


def upgrade():
    # Failures are kept for a minute's throttling only; those stored without an address are dropped.
    op.execute(sa.text('DELETE FROM sign_in_failures'))
    # Recreated, because SQLite cannot add a NOT NULL column without a default in place.
    with op.batch_alter_table('sign_in_failures', recreate='always') as batch_op:
        batch_op.add_column(sa.Column('address_key', sa.String(length=64), nullable=False))
        batch_op.create_index('ix_sign_in_failures_address_key_at', ['address_key', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_failures') as batch_op:
        batch_op.drop_index('ix_sign_in_failures_address_key_at')
        batch_op.drop_column('address_key')
