"""work_order.payload_hash: the fingerprint a replay of an intake must match.

A channel's retry of (channel, external id) is answered with the stored order only when its
payload is the same (dispatch/intake/replays.py). Orders stored before this revision have none
and match any replay; nothing is backfilled, since their payloads as received are not all kept.

Revision ID: a41f6e0c2d95
Revises: 0b8e6c4d2f1a
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'a41f6e0c2d95'
down_revision = '0b8e6c4d2f1a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('work_order', sa.Column('payload_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('work_order') as batch_op:
        batch_op.drop_column('payload_hash')
