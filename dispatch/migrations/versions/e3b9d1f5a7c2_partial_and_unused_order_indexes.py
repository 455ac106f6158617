"""Drop three indexes nothing reads, and index due_at and master_id only where they are set.

- ``work_order.platform_id``, ``work_order.current_unit_path`` and ``assignment.to_unit_id``
  were indexed but never searched: reach goes by path (``platform_path``, ``assignment.to_path``).
- ``due_at`` (the overdue filter) and ``master_id`` (the orders merged into one) are NULL on
  most orders: every closed or imported one, every order never merged. A partial index
  ``WHERE ... IS NOT NULL`` serves the same reads (``due_at < now``, ``master_id = n`` imply it)
  without an entry per NULL.

Each order insert wrote 14 index entries, now 11; a hop's 6, now 5. ``current_unit_path`` and
``due_at`` change with every dispatch: without their indexes more of those updates can be HOT.

Revision ID: e3b9d1f5a7c2
Revises: c7d2a9e4f1b3
Create Date: 2026-11-28 19:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'e3b9d1f5a7c2'
down_revision = 'c7d2a9e4f1b3'
branch_labels = None
depends_on = None

UNUSED = [("work_order", "platform_id"), ("work_order", "current_unit_path"), ("assignment", "to_unit_id")]
PARTIAL = ["due_at", "master_id"]


def _set(column: str) -> dict:
    where = sa.text(f"{column} IS NOT NULL")
    return {"postgresql_where": where, "sqlite_where": where}


def upgrade() -> None:
    for table, column in UNUSED:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    for column in PARTIAL:
        op.drop_index(f"ix_work_order_{column}", table_name="work_order")
        op.create_index(f"ix_work_order_{column}", "work_order", [column], **_set(column))


def downgrade() -> None:
    for column in PARTIAL:
        op.drop_index(f"ix_work_order_{column}", table_name="work_order")
        op.create_index(f"ix_work_order_{column}", "work_order", [column])
    for table, column in UNUSED:
        op.create_index(f"ix_{table}_{column}", table, [column])
