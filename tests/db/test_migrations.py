"""The Alembic revisions build exactly the schema the models describe, on every backend.

Each test gets a brand-new empty database: a file on SQLite and, when TEST_DATABASE_URL is set, a
dedicated PostgreSQL database (``credbridge_migrations_test``) created next to the shared ``test``
database, so migrating up and down here never disturbs the schema other tests use.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from lti_tool.db.engine import make_engine
from lti_tool.db.migrate import current_head, downgrade, upgrade
from lti_tool.db.models import Base
from tests.conftest import BACKENDS, POSTGRES_URL

MIGRATIONS_DATABASE = (
    f"{make_url(POSTGRES_URL).database}_migrations" if POSTGRES_URL else "unused_migrations"
)
"""Named after the suite's own database, so two PostgreSQL suites on different databases never
drop each other's scratch database."""


def _recreate_postgres_database(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        _recreate_postgres_database(admin, MIGRATIONS_DATABASE)
        yield (
            make_url(POSTGRES_URL)
            .set(database=MIGRATIONS_DATABASE)
            .render_as_string(hide_password=False)
        )
        with admin.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{MIGRATIONS_DATABASE}" WITH (FORCE)')
            )
    finally:
        admin.dispose()


@pytest.fixture
def engine_for(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def _schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def _version(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _leftover_objects(engine: Engine) -> list[str]:
    """Triggers, functions, indexes and sequences that would survive a downgrade by mistake."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.execute(
                text(
                    "SELECT type || ' ' || name FROM sqlite_master "
                    "WHERE name NOT LIKE 'sqlite_%' AND tbl_name != 'alembic_version'"
                )
            )
            return [row[0] for row in rows]
        rows = connection.execute(
            text(
                "SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal "
                "UNION ALL SELECT 'function ' || proname FROM pg_proc "
                "  JOIN pg_namespace ON pg_namespace.oid = pronamespace WHERE nspname = 'public' "
                "UNION ALL SELECT 'relation ' || relname FROM pg_class "
                "  JOIN pg_namespace ON pg_namespace.oid = relnamespace "
                "  WHERE nspname = 'public' AND relname NOT LIKE 'alembic_version%'"
            )
        )
        return [row[0] for row in rows]


def test_the_empty_database_really_is_empty(engine_for: Engine) -> None:
    assert _tables(engine_for) == set()
    assert _version(engine_for) is None


def test_upgrade_head_matches_the_models_exactly(
    empty_database_url: str, engine_for: Engine
) -> None:
    upgrade(empty_database_url)

    assert _version(engine_for) == current_head()
    assert _tables(engine_for) == {*Base.metadata.tables, "alembic_version"}
    # Nothing is filtered: no benign differences are expected on either backend.
    assert _schema_differences(engine_for) == []


def _partial_indexes(dialect: str) -> dict[str, bool]:
    """Index name -> whether the models give it a WHERE clause on ``dialect``."""
    return {
        str(index.name): index.dialect_options[dialect].get("where") is not None
        for table in Base.metadata.tables.values()
        for index in table.indexes
    }


def _index_definitions(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            )
        else:
            rows = connection.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
            )
        return {name: definition for name, definition in rows}


def test_partial_indexes_keep_their_where_clause(
    empty_database_url: str, engine_for: Engine
) -> None:
    """compare_metadata does not compare index predicates, so check them here."""
    upgrade(empty_database_url)
    expected = _partial_indexes(engine_for.dialect.name)
    definitions = _index_definitions(engine_for)

    for name, partial in expected.items():
        assert name in definitions, name
        assert (" WHERE " in definitions[name].upper()) is partial, definitions[name]


def test_table_storage_options_match_the_models(
    empty_database_url: str, engine_for: Engine
) -> None:
    """compare_metadata ignores table options such as PostgreSQL's fillfactor (migration
    0016): the migrated tables carry what the models say."""
    if engine_for.dialect.name != "postgresql":
        pytest.skip("SQLite tables have no storage options")
    upgrade(empty_database_url)
    expected = {
        name: sorted(f"{key}={value}" for key, value in options.items())
        for name, table in Base.metadata.tables.items()
        if (options := table.dialect_options["postgresql"].get("with"))
    }
    with engine_for.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT relname, reloptions FROM pg_class JOIN pg_namespace "
                "ON pg_namespace.oid = relnamespace "
                "WHERE nspname = 'public' AND relkind = 'r' AND reloptions IS NOT NULL"
            )
        )
        actual = {name: sorted(options) for name, options in rows}

    assert "roster_enrollments" in expected
    assert actual == expected


def test_the_comparison_would_notice_a_missing_index(
    empty_database_url: str, engine_for: Engine
) -> None:
    """Guard for the test above: compare_metadata does see drift on this backend."""
    upgrade(empty_database_url)
    with engine_for.begin() as connection:
        connection.execute(text("DROP INDEX ix_submissions_queue"))

    differences = _schema_differences(engine_for)

    assert [item[0] for item in differences] == ["add_index"]  # type: ignore[index]
    assert differences[0][1].name == "ix_submissions_queue"  # type: ignore[index]


def test_downgrade_to_base_removes_everything_and_upgrade_works_again(
    empty_database_url: str, engine_for: Engine
) -> None:
    upgrade(empty_database_url)
    _insert_audit_entry(engine_for, "before-round-trip")

    downgrade(empty_database_url, "base")

    assert _tables(engine_for) <= {"alembic_version"}
    assert _version(engine_for) is None
    assert _leftover_objects(engine_for) == []

    upgrade(empty_database_url)

    assert _version(engine_for) == current_head()
    assert _tables(engine_for) == {*Base.metadata.tables, "alembic_version"}
    assert _schema_differences(engine_for) == []
    # The triggers came back with the table.
    entry_id = _insert_audit_entry(engine_for, "after-round-trip")
    with pytest.raises(DBAPIError, match="append-only"), engine_for.begin() as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": entry_id})
    assert _audit_notes(engine_for) == ["after-round-trip"]


def _insert_audit_entry(engine: Engine, note: str) -> str:
    entry_id = f"audit-{note}"[:36]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_entries "
                "(id, at, actor_id, entity_type, entity_id, action, from_state, to_state, note) "
                "VALUES (:id, :at, NULL, 'submission', 'sub-1', 'submit', 'draft', 'submitted', "
                ":note)"
            ),
            {"id": entry_id, "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "note": note},
        )
    return entry_id


def _audit_notes(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT note FROM audit_entries ORDER BY seq")))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET note = 'rewritten' WHERE id = :id",
        "UPDATE audit_entries SET to_state = 'awarded', at = at WHERE id = :id",
        "DELETE FROM audit_entries WHERE id = :id",
        "DELETE FROM audit_entries",
    ],
)
def test_the_audit_trail_refuses_update_and_delete(
    empty_database_url: str, engine_for: Engine, statement: str
) -> None:
    upgrade(empty_database_url)
    entry_id = _insert_audit_entry(engine_for, "original")

    with pytest.raises(DBAPIError, match="append-only"), engine_for.begin() as connection:
        connection.execute(text(statement), {"id": entry_id})

    with engine_for.connect() as connection:
        row = connection.execute(
            text("SELECT id, note, to_state FROM audit_entries WHERE id = :id"), {"id": entry_id}
        ).one()
    assert tuple(row) == (entry_id, "original", "submitted")


def test_the_audit_trail_still_accepts_new_entries(
    empty_database_url: str, engine_for: Engine
) -> None:
    upgrade(empty_database_url)
    _insert_audit_entry(engine_for, "first")
    _insert_audit_entry(engine_for, "second")

    assert _audit_notes(engine_for) == ["first", "second"]
