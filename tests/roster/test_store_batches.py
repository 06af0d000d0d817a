"""The roster store's batches: what is committed stays committed when a later step fails, and
what was not committed is not stored. On PostgreSQL a batch of new rows goes in by a ``COPY``
that is ended only when the connection is next used (so the server stores it while the next
batch is read); these tests hold that deferral to the same outcomes as an immediate commit."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lti_tool.bootstrap import Container
from lti_tool.db.models.roster import ROSTER_TABLES
from lti_tool.db.repositories import roster as roster_repository
from lti_tool.db.repositories.roster import SqlRosterStore
from lti_tool.domain.roster.entities import Entity, RosterRecord
from tests.roster.conftest import package, run_import


def orgs(*sourced_ids: str) -> list[RosterRecord]:
    return [
        RosterRecord(
            Entity.ORGS, sourced_id, True, None, {"name": f"School {sourced_id}", "type": "school"}
        )
        for sourced_id in sourced_ids
    ]


def stored_ids(container: Container, scope: str) -> set[str]:
    table = ROSTER_TABLES[Entity.ORGS]
    with container.engine.connect() as connection:
        query = select(table.c.sourced_id).where(table.c.scope_id == scope)
        return set(connection.scalars(query))


class Failure(Exception):
    pass


def test_a_committed_batch_stays_when_the_block_then_fails(
    container: Container, scope: str
) -> None:
    with pytest.raises(Failure), SqlRosterStore(container.engine) as store:
        assert store.upsert(scope, "run-1", orgs("s1", "s2")).created == 2
        store.commit()
        store.upsert(scope, "run-1", orgs("s3"))  # never committed
        raise Failure

    assert stored_ids(container, scope) == {"s1", "s2"}


def test_an_uncommitted_batch_is_not_stored(container: Container, scope: str) -> None:
    with SqlRosterStore(container.engine) as store:
        store.upsert(scope, "run-1", orgs("s1"))

    assert stored_ids(container, scope) == set()


def test_the_next_batch_sees_the_last_one_and_a_second_run_finds_it_unchanged(
    container: Container, scope: str
) -> None:
    with SqlRosterStore(container.engine) as store:
        store.upsert(scope, "run-1", orgs("s1", "s2"))
        store.commit()
        repeat = store.upsert(scope, "run-1", orgs("s2", "s3"))  # s2 again, in the same run
        store.commit()
        assert store.count_active(scope, Entity.ORGS) == 3

    assert repeat.created == 1
    assert [r.sourced_id for r in repeat.duplicates] == ["s2"]
    with SqlRosterStore(container.engine) as store:
        again = store.upsert(scope, "run-2", orgs("s1", "s2", "s3"))
        store.commit()
    assert (again.created, again.unchanged) == (0, 3)


def test_a_copy_the_server_refuses_surfaces_and_keeps_what_was_committed(
    container: Container, scope: str
) -> None:
    """A row the server refuses (here: an organisation id that does not exist, so the foreign
    key fails) fails the import at the next use of the connection, and the batch before it
    stays stored."""
    with SqlRosterStore(container.engine) as store:
        store.upsert(scope, "run-1", orgs("s1"))
        store.commit()
    with pytest.raises(IntegrityError), SqlRosterStore(container.engine) as store:
        store.upsert("no-such-district", "run-2", orgs("s9"))
        store.commit()
        store.count_active(scope, Entity.ORGS)

    assert stored_ids(container, scope) == {"s1"}


def test_a_commit_asked_for_before_an_error_is_kept(container: Container, scope: str) -> None:
    """On PostgreSQL the commit waits for the next use of the connection; when the block then
    ends on an error, the batch committed before it is still committed."""
    with pytest.raises(Failure), SqlRosterStore(container.engine) as store:
        store.upsert(scope, "run-1", orgs("s1", "s2"))
        store.commit()
        raise Failure

    assert stored_ids(container, scope) == {"s1", "s2"}


def test_an_sqlite_import_gives_its_connection_back_with_automatic_checkpoints(
    container: Container, scope: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once an import has written enough rows its checkpoints run on a thread of their own and
    its connection's automatic checkpoints are off; the pooled connection gets them back."""
    if container.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    monkeypatch.setattr(roster_repository, "_BULK_ROWS", 1)
    run_import(container, package("v11_bulk"), scope)

    connections = [container.engine.connect() for _ in range(3)]  # the pool's, in turn
    try:
        for connection in connections:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 8000
    finally:
        for connection in connections:
            connection.close()
