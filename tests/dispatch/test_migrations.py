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
