"""sla: KPI aggregates keyed (grain, period, unit path[, channel, category]) with the counts in the
primary key (INCLUDE, PostgreSQL) and byte-ordered unit paths, plus a per-unit roll-up table, so a
subtree's period is one index-only range scan at 10M orders.

The aggregates are derived data: this revision empties them and the KPI facts; run
``python -m sla.scheduled rebuild`` once on a database that already holds orders.

Revision ID: 078e799e1383
Revises: 328e484b6a7b
Create Date: 2026-11-27 17:55:00
"""
from alembic import op
import sqlalchemy as sa


revision = '078e799e1383'
down_revision = '328e484b6a7b'
branch_labels = None
depends_on = None

COUNTS = ['due_to_close', 'closed', 'closed_on_time', 'reopened_unsatisfied', 'failed_site_checks',
          'valid', 'closed_direct', 'closed_after_dispatch', 'evaluated', 'contacted', 'solved',
          'satisfied', 'dispatched_assignments', 'signed_on_time', 'returned', 'rehandled',
          'received', 'repeat_calls', 'callbacks_due', 'callbacks_done', 'closed_first_time']


def _create(name: str, dims: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column('grain', sa.String(length=1), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('unit_path', sa.String(length=255).with_variant(sa.String(length=255, collation='C'),
                                                                   'postgresql'), nullable=False),
        *[sa.Column(d, sa.String(length=64), nullable=False) for d in dims],
        *[sa.Column(n, sa.Integer(), nullable=False) for n in COUNTS],
        sa.PrimaryKeyConstraint('grain', 'period_start', 'unit_path', *dims, name=f'pk_{name}',
                                postgresql_include=COUNTS),
    )


def upgrade() -> None:
    op.drop_table('sla_kpi_aggregate')
    _create('sla_kpi_aggregate', ('channel', 'category'))
    _create('sla_kpi_unit_aggregate', ())
    op.execute('DELETE FROM sla_kpi_fact')


def downgrade() -> None:
    op.drop_table('sla_kpi_unit_aggregate')
    op.drop_table('sla_kpi_aggregate')
    op.create_table(
        'sla_kpi_aggregate',
        sa.Column('grain', sa.String(length=1), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=False),
        sa.Column('category', sa.String(length=64), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('unit_path', sa.String(length=255), nullable=False),
        *[sa.Column(n, sa.Integer(), nullable=False) for n in COUNTS],
        sa.PrimaryKeyConstraint('grain', 'channel', 'category', 'period_start', 'unit_path',
                                name='pk_sla_kpi_aggregate'),
    )
    op.create_index('ix_sla_kpi_aggregate_period', 'sla_kpi_aggregate', ['grain', 'period_start'])
    op.execute('DELETE FROM sla_kpi_fact')
