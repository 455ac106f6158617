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
