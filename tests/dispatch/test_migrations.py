"""The migrations and the models describe the same schema."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import dispatch.models  # noqa: F401
from dispatch.db import get_engine, init_db


def test_migrated_database_matches_the_models(seeded):
    with get_engine().connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == [], "models changed without a migration: run dispatch.migrate.revision"


def test_init_db_twice_is_harmless(seeded):
    init_db()
    init_db()


def test_migrated_columns_have_the_models_collations(seeded):
    """compare_metadata leaves collations out: a byte-ordered path (PathString) that the
    migrations forgot would silently turn prefix reads into full scans on PostgreSQL."""
    engine = get_engine()
    wanted = {(t.name, c.name): c.type.dialect_impl(engine.dialect).collation
              for t in SQLModel.metadata.tables.values() for c in t.columns
              if getattr(c.type.dialect_impl(engine.dialect), "collation", None)}
    if engine.dialect.name == "postgresql":
        assert ("work_order", "platform_path") in wanted and ("assignment", "to_path") in wanted
        with engine.connect() as conn:
            found = {(t, c): coll for t, c, coll in conn.exec_driver_sql(
                "SELECT table_name, column_name, collation_name FROM information_schema.columns "
                "WHERE table_schema = current_schema()")}
        assert {k: found.get(k) for k in wanted} == wanted
    else:       # SQLite compares bytes (BINARY) unless told otherwise: no collation asked for
        assert wanted == {}


def _partial(engine) -> dict[str, bool]:
    """Each index of the database: whether it covers only the rows matching a WHERE."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("SELECT indexname, indexdef FROM pg_indexes "
                                        "WHERE schemaname = current_schema()")
        else:
            rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master "
                                        "WHERE type = 'index' AND sql IS NOT NULL")
        return {name: " WHERE " in sql.upper() for name, sql in rows}


def test_migrated_indexes_are_partial_where_the_models_say(seeded):
    """compare_metadata leaves an index's WHERE out too: a migration that built the full index
    would put an entry per NULL back into every order insert."""
    engine = get_engine()
    dialect = engine.dialect.name
    wanted = {i.name: i.dialect_options[dialect]["where"] is not None
              for t in SQLModel.metadata.tables.values() for i in t.indexes}
    assert wanted["ix_work_order_due_at"] and wanted["ix_work_order_master_id"]
    found = _partial(engine)
    assert {n: found.get(n) for n in wanted} == wanted
    for gone in ("ix_work_order_platform_id", "ix_work_order_current_unit_path", "ix_assignment_to_unit_id"):
        assert gone not in found


def test_reads_of_the_partial_indexes_use_them(seeded):
    """The overdue filter and the orders merged into one imply the index's condition."""
    engine = get_engine()
    explain = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")     # a few rows: force the choice
        for where, index in (("master_id = 7", "ix_work_order_master_id"),
                             ("due_at < CURRENT_TIMESTAMP", "ix_work_order_due_at")):
            plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql(
                f"{explain}SELECT id FROM work_order WHERE {where}"))
            assert index in plan, plan
