"""Monthly report snapshots: a period's figures, frozen once the period is over.

Revision ID: d5f2a8c1e6b4
Revises: a41f6e0c2d95
Create Date: 2026-12-07 04:15:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import dispatch.sqltypes


revision = 'd5f2a8c1e6b4'
down_revision = 'a41f6e0c2d95'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('created_at', dispatch.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'period', name='uq_report_snapshot_unit_period')
    )


def downgrade() -> None:
    op.drop_table('report_snapshot')
