"""Double coding rounds

Revision ID: 0003_coding_rounds
Revises: 0002_intake
Create Date: 2026-11-23 15:09:47.348634

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0003_coding_rounds'
down_revision = '0002_intake'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coding_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('settled', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_coding_rounds_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_rounds'))
    )
    op.create_table('coding_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('codes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('coded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['coder_id'], ['users.id'], name=op.f('fk_coding_assignments_coder_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['voice_items.id'], name=op.f('fk_coding_assignments_item_id_voice_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['coding_rounds.id'], name=op.f('fk_coding_assignments_round_id_coding_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_assignments')),
    sa.UniqueConstraint('round_id', 'item_id', 'coder_id', name=op.f('uq_coding_assignments_round_id_item_id_coder_id'))
    )
    with op.batch_alter_table('coding_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coding_assignments_coder_id'), ['coder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coding_assignments_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coding_assignments_round_id'), ['round_id'], unique=False)



def downgrade():
    with op.batch_alter_table('coding_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coding_assignments_round_id'))
        batch_op.drop_index(batch_op.f('ix_coding_assignments_item_id'))
        batch_op.drop_index(batch_op.f('ix_coding_assignments_coder_id'))

    op.drop_table('coding_assignments')
    op.drop_table('coding_rounds')
