"""Hops and timeline rows without a foreign key to work_order; orders are never deleted instead.

A foreign key is checked for every row written: PostgreSQL locks the referenced order
(``SELECT … FOR KEY SHARE``), which writes the order's row and a WAL record. For an order
imported in bulk that was two checks (its hop and its timeline row), 20-26 µs of PostgreSQL
per order side by side, about a sixth of the import's CPU; intake and routing pay it on every hop and
timeline row too. What the keys guarded is kept otherwise: hops and timeline rows are only
written in the transaction that writes or locks their order, and ``init_db`` installs a trigger
that refuses to delete an order (``dispatch.db.ORDERS_ARE_KEPT``), as the timeline already
refuses updates and deletes. The SLA tables' ``order_id`` never had a key either.

On SQLite the two tables are rebuilt (batch mode); ``init_db`` puts the timeline's guards back.

Revision ID: 0b8e6c4d2f1a
Revises: e3b9d1f5a7c2
Create Date: 2026-11-28 19:30:00
"""
from alembic import op

revision = '0b8e6c4d2f1a'
down_revision = 'e3b9d1f5a7c2'
branch_labels = None
depends_on = None

TABLES = ("assignment", "timeline_entry")
# SQLite's keys have no name: this convention names the reflected one for batch mode
CONVENTION = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, naming_convention=CONVENTION) as batch:
            batch.drop_constraint(f"{table}_order_id_fkey", type_="foreignkey")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, naming_convention=CONVENTION) as batch:
            batch.create_foreign_key(f"{table}_order_id_fkey", "work_order", ["order_id"], ["id"])
