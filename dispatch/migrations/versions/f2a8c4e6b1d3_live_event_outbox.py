"""live_event_outbox: live events that could not be pushed while Redis was down.

Rows are published once Redis answers (dispatch/realtime/outbox.py) and kept an hour after, so
that a relay reconnecting late can replay them to its consoles.

Revision ID: f2a8c4e6b1d3
Revises: d5f2a8c1e6b4
Create Date: 2026-12-07 04:00:00
"""
from alembic import op
import sqlalchemy as sa
import dispatch.sqltypes

revision = 'f2a8c4e6b1d3'
down_revision = 'd5f2a8c1e6b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('live_event_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('created_at', dispatch.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', dispatch.sqltypes.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('live_event_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_event_outbox_published_at'), ['published_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('live_event_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_event_outbox_published_at'))
    op.drop_table('live_event_outbox')
