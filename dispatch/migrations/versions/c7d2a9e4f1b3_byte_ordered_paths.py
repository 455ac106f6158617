"""Byte order ("C") for the paths and codes that reach checks test by prefix, on PostgreSQL.

A unit's orders are those owned by a platform inside it or with a hop to a unit inside it:
`platform_path LIKE '/6100/610001/%'`, `assignment.to_path LIKE ...`, and likewise the
division filter, duplicate search by county code, the unit tree and escalation notices. Under
the database's linguistic collation (C.UTF-8 here, zh_CN.UTF-8 elsewhere) PostgreSQL cannot
turn such a prefix into a range of the column's index, so each of those reads filtered every
row: a village's order list and anyone's counts by state grew with the whole table. In byte
order the prefix is one index range. Equality and the order of these ASCII codes do not change.

Changing a column's collation rebuilds its indexes under an exclusive lock: on a large table,
apply it in a quiet hour. SQLite compares bytes already (BINARY): nothing to do there.

Revision ID: c7d2a9e4f1b3
Revises: 9c4e1f7a2b68
Create Date: 2026-11-28 17:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'c7d2a9e4f1b3'
down_revision = '9c4e1f7a2b68'
branch_labels = None
depends_on = None

COLUMNS = [("work_order", "platform_path", False), ("work_order", "division_path", True),
           ("work_order", "division_code", True), ("assignment", "to_path", False),
           ("org_unit", "path", False), ("sla_notification", "recipient_path", False)]


def _collate(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(table, column, type_=sa.String(collation=collation),
                        existing_nullable=nullable)


def upgrade() -> None:
    _collate("C")
    if op.get_bind().dialect.name == "postgresql":
        # a new type drops the columns' statistics: without them the planner guesses a prefix
        # matches a few rows and, for the city's, nests a loop over every order
        op.execute("ANALYZE work_order, assignment, org_unit, sla_notification")


def downgrade() -> None:
    _collate("default")
