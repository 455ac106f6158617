"""sla: the bulk import's staging table of KPI day buckets (sla_kpi_import_stage).

An import writes each batch's buckets here, in the batch's transaction, and adds them all to the
aggregates at its end (``sla.aggregates.fold_import_stage``) instead of upserting them batch by
batch. The table has no key: rows are appended, then moved out by the fold.

Revision ID: 9c4e1f7a2b68
Revises: 5b2d7e1c9f30
Create Date: 2026-11-28 12:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = '9c4e1f7a2b68'
down_revision = '5b2d7e1c9f30'
branch_labels = None
depends_on = None

COUNTS = ['due_to_close', 'closed', 'closed_on_time', 'reopened_unsatisfied', 'failed_site_checks',
          'valid', 'closed_direct', 'closed_after_dispatch', 'evaluated', 'contacted', 'solved',
          'satisfied', 'dispatched_assignments', 'signed_on_time', 'returned', 'rehandled',
          'received', 'repeat_calls', 'callbacks_due', 'callbacks_done', 'closed_first_time']


def upgrade() -> None:
    op.create_table(
        'sla_kpi_import_stage',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('unit_path', sa.String(length=255).with_variant(sa.String(length=255, collation='C'),
                                                                   'postgresql'), nullable=False),
        sa.Column('channel', sa.String(length=64), nullable=False),
        sa.Column('category', sa.String(length=64), nullable=False),
        *[sa.Column(n, sa.Integer(), nullable=False) for n in COUNTS],
    )


def downgrade() -> None:
    op.drop_table('sla_kpi_import_stage')
