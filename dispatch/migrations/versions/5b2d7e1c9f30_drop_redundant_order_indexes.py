"""Drop two indexes of work_order that others cover: channel (the leading column of
uq_order_channel_external) and state (the leading column of ix_order_state_received).

Every insert of an order, and every change of its state or unit (which cannot be a HOT update:
those columns are indexed), wrote 16 index entries; now 14. Queries by channel or by state
use the wider index instead.

Revision ID: 5b2d7e1c9f30
Revises: 4a668e024cc4
Create Date: 2026-11-28 10:05:00
"""
from alembic import op

revision = '5b2d7e1c9f30'
down_revision = '4a668e024cc4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_work_order_channel', table_name='work_order')
    op.drop_index('ix_work_order_state', table_name='work_order')


def downgrade() -> None:
    op.create_index('ix_work_order_state', 'work_order', ['state'], unique=False)
    op.create_index('ix_work_order_channel', 'work_order', ['channel'], unique=False)
