"""Column types and table shapes that revisions share, so that a table reads like its model.

Released revisions build their tables with these, so changing one would change what an old
revision creates on a new database: add a helper rather than alter one.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

def create_table(name, *columns, primary_key=('id',), checks=None, references=None,
                 cascade=(), unique=(), indexed=()):
    """``op.create_table`` and its indexes, every name as the models' naming convention gives it.

    checks: {constraint name: SQL condition}. references: {column: referred table} (its id).
    cascade: the referencing columns whose rows go when the referred row is deleted.
    unique: column tuples, each unique together. indexed: columns with an index each.
    """
    constraints = [sa.PrimaryKeyConstraint(*primary_key, name=op.f(f'pk_{name}'))]
    constraints += [sa.CheckConstraint(condition, name=op.f(f'ck_{name}_{check}'))
                    for check, condition in (checks or {}).items()]
    constraints += [sa.ForeignKeyConstraint(
                        [column], [f'{referred}.id'], name=op.f(f'fk_{name}_{column}_{referred}'),
                        ondelete='CASCADE' if column in cascade else None)
                    for column, referred in (references or {}).items()]
    constraints += [sa.UniqueConstraint(*together, name=op.f(f"uq_{name}_{'_'.join(together)}"))
                    for together in unique]
    op.create_table(name, *columns, *constraints)
    for column in indexed:
        op.create_index(op.f(f'ix_{name}_{column}'), name, [column], unique=False)


def _column_of(type_):
    """A column helper: ``helper(name, nullable=False)`` makes a column of ``type_``."""
    return lambda name, nullable=False: sa.Column(name, type_, nullable=nullable)


integer = _column_of(sa.Integer())
text = _column_of(sa.Text())
# The models' JSONType: JSONB on PostgreSQL, JSON elsewhere.
json = _column_of(sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'))
timestamp = _column_of(sa.DateTime(timezone=True))
boolean = _column_of(sa.Boolean())
date = _column_of(sa.Date())
number = _column_of(sa.Float())
uuid = _column_of(sa.Uuid())


def string(name, length, nullable=False):
    return sa.Column(name, sa.String(length=length), nullable=nullable)
