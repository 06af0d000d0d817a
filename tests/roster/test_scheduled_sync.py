"""Scheduled syncs run by the worker against the fake OneRoster provider: incremental syncs on
each provider's interval, a periodic full reconciliation, failures reported and retried later,
and one worker per provider at a time (several workers polling the same database)."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from lti_tool.bootstrap import Container
from lti_tool.cli import main
from lti_tool.db.models.roster import roster_providers, roster_reports
from lti_tool.db.repositories.roster_schedules import SqlRosterSchedules
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.domain.roster.entities import Entity
from lti_tool.services.roster_schedule import RosterScheduler
from lti_tool.web.app import create_app
from tests.fakes.memory import FakeClock
from tests.fakes.oneroster import FakeOneRoster
from tests.roster.conftest import ADMIN, make_container, stored
from tests.roster.test_rest_sync import T0, add, district
from tests.web.http import sign_in

START = datetime(2026, 9, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def clocked(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Container]:
    built = make_container(database_url, tmp_path, clock)
    built.roster_http.sleep = lambda seconds: None
    yield built
    built.lti.http.close()
    built.roster_http.close()
    built.engine.dispose()


@pytest.fixture
def scope(clocked: Container) -> str:
    return clocked.people.add_organization("Riverbend", OrganizationKind.DISTRICT).id


def filters(provider: FakeOneRoster, collection: str) -> list[str | None]:
    return [q.get("filter") for path, q in provider.requests_seen if path.endswith(collection)]


def test_the_worker_syncs_on_schedule_and_reconciles_in_full_periodically(
    clocked: Container, scope: str, clock: FakeClock
) -> None:
    data = district("1.1", students=20)  # one user dropped stays under the 10% threshold
    with FakeOneRoster(data, max_limit=100) as provider:
        add(clocked, scope, provider, "1.1")
        [schedule] = clocked.roster_schedule.schedules(ADMIN)
        assert schedule.next_run_at == START and schedule.next_full_at == START

        first = clocked.worker.run_once()  # a new provider's first run is a full one
        assert first.jobs == 1
        assert filters(provider, "/users") == [None]
        [schedule] = clocked.roster_schedule.schedules(ADMIN)
        assert schedule.last_status == "completed"
        assert schedule.next_run_at == START + timedelta(hours=1)
        assert schedule.next_full_at == START + timedelta(days=7)
        assert clocked.worker.run_once().jobs == 0  # nothing is due yet

        # A delta cannot see a user the provider silently stopped listing.
        dropped = data["users"].pop()
        gone = dropped["sourcedId"]
        data["enrollments"] = [e for e in data["enrollments"] if e["user"]["sourcedId"] != gone]
        data["users"][0].update(familyName="Jones-Okafor",
                                dateLastModified="2026-09-01T07:30:00.000Z")  # fmt: skip
        provider.requests_seen.clear()
        clock.advance(hours=1)
        assert clocked.worker.drain().jobs == 1
        assert filters(provider, "/users") == [f"dateLastModified>'{T0}'"]
        users = stored(clocked, Entity.USERS, scope)
        assert users["t1"]["family_name"] == "Jones-Okafor"
        assert users[dropped["sourcedId"]]["active"] is True

        provider.requests_seen.clear()
        clock.advance(days=7)
        assert clocked.worker.drain().jobs == 1
        assert filters(provider, "/users") == [None]
    assert stored(clocked, Entity.USERS, scope)[dropped["sourcedId"]]["active"] is False
    [schedule] = clocked.roster_schedule.schedules(ADMIN)
    assert schedule.next_full_at == clock.now() + timedelta(days=7)
    last = clocked.roster.report(ADMIN, schedule.last_report_id or "")
    assert last.count("users").deleted == 1
    assert "full" in last.source


def test_a_failed_scheduled_sync_is_reported_and_retried_later(
    clocked: Container, scope: str, clock: FakeClock
) -> None:
    clocked.roster_http.max_attempts = 1
    with FakeOneRoster(district("1.1", students=2)) as provider:
        add(clocked, scope, provider, "1.1")
        provider.faults = [("500",)]
        assert clocked.worker.run_once().jobs == 1
        [schedule] = clocked.roster_schedule.schedules(ADMIN)
        assert schedule.last_status == "failed" and schedule.failures == 1
        assert "500" in (schedule.last_error or "")
        failed = clocked.roster.report(ADMIN, schedule.last_report_id or "")
        assert "SOURCE_FAILED" in failed.problem_counts
        assert schedule.next_run_at == START + timedelta(minutes=5)  # sooner than hourly
        assert schedule.next_full_at == schedule.next_run_at  # the failed full run stays full

        clock.advance(minutes=4)
        assert clocked.worker.run_once().jobs == 0
        clock.advance(minutes=1)
        provider.requests_seen.clear()
        assert clocked.worker.run_once().jobs == 1
        assert filters(provider, "/users") == [None]
    [schedule] = clocked.roster_schedule.schedules(ADMIN)
    assert schedule.last_status == "completed" and schedule.failures == 0
    assert len(stored(clocked, Entity.USERS, scope)) == 3


def test_a_sync_that_cannot_start_is_reported_and_the_worker_goes_on(
    clocked: Container, scope: str, clock: FakeClock
) -> None:
    with FakeOneRoster(district("1.1", students=0)) as provider:
        add(clocked, scope, provider, "1.1")
    with clocked.engine.begin() as connection:  # a secret no configured key can read
        connection.execute(update(roster_providers).values(secret="not-a-token"))

    assert clocked.worker.run_once().jobs == 1

    [schedule] = clocked.roster_schedule.schedules(ADMIN)
    assert schedule.last_status == "failed" and schedule.failures == 1
    report = clocked.roster.report(ADMIN, schedule.last_report_id or "")
    assert report.scope_id == scope
    assert report.problems[0].code == "SOURCE_FAILED"
    assert "not-a-token" not in (schedule.last_error or "")


def test_one_provider_is_synced_by_one_worker_at_a_time(
    clocked: Container, scope: str, clock: FakeClock
) -> None:
    with FakeOneRoster(district("1.1", students=2)) as provider:
        add(clocked, scope, provider, "1.1")
        workers = [
            RosterScheduler(
                lambda: SqlRosterSchedules(clocked.engine),
                clocked.roster_sync,
                clocked.roster,
                clock,
                f"worker-{n}",
            )
            for n in range(4)
        ]
        start = threading.Barrier(len(workers))
        ran: list[int] = []

        def poll(worker: RosterScheduler) -> None:
            start.wait()
            ran.append(worker.run_due())

        threads = [threading.Thread(target=poll, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(ran) == [0, 0, 0, 1]
        assert len([p for p, _ in provider.requests_seen if p.endswith("/orgs")]) == 1
    with clocked.engine.connect() as connection:
        assert len(connection.execute(select(roster_reports.c.id)).all()) == 1


def test_a_live_lease_keeps_other_workers_off_until_it_expires(
    clocked: Container, scope: str, clock: FakeClock
) -> None:
    with FakeOneRoster(district("1.1", students=0)) as provider:
        add(clocked, scope, provider, "1.1")
        with SqlRosterSchedules(clocked.engine) as schedules:
            # A worker claimed the provider and died without finishing.
            later = clock.now() + timedelta(minutes=15)
            assert schedules.claim("sis", "dead-worker", clock.now(), later)
            schedules.commit()
            assert not schedules.claim("sis", "other", clock.now(), clock.now())
        assert clocked.worker.run_once().jobs == 0
        [schedule] = clocked.roster_schedule.schedules(ADMIN)
        assert schedule.running(clock.now()) and schedule.leased_by == "dead-worker"
        clock.advance(minutes=15)
        assert clocked.worker.run_once().jobs == 1
    [schedule] = clocked.roster_schedule.schedules(ADMIN)
    assert schedule.leased_by is None and schedule.last_status == "completed"


def test_the_admin_roster_page_shows_each_schedule_and_its_last_report(
    clocked: Container, scope: str, clock: FakeClock
) -> None:
    clocked.roster_http.max_attempts = 1
    with FakeOneRoster(district("1.1", students=1)) as provider:
        add(clocked, scope, provider, "1.1")
        provider.faults = [("500",)]
        clocked.worker.run_once()
    admin = clocked.people.add_person("Ada Admin", roles=((Role.ADMIN, scope),))
    client = create_app(container=clocked).test_client()
    sign_in(client, admin.id)

    page = html.unescape(client.get("/admin/roster").get_data(as_text=True))

    [schedule] = clocked.roster_schedule.schedules(ADMIN)
    assert "every 1 hour, full every 7 days" in page
    assert "2026-09-01 06:05 UTC (full)" in page  # the retry, still a full run
    assert f"/admin/roster/reports/{schedule.last_report_id}" in page
    assert "failed 1 time in a row, retried later" in page


def test_cli_shows_and_changes_a_schedule(
    clocked: Container, scope: str, database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    with FakeOneRoster(district("1.1", students=0)) as provider:
        add(clocked, scope, provider, "1.1")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CREDBRIDGE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")

    changed = CliRunner().invoke(
        main, ["roster", "schedule", "sis", "--every", "30", "--full-every", "24", "--off"]
    )
    assert changed.exit_code == 0, changed.output
    assert "sis: off;" in changed.stdout
    [schedule] = clocked.roster_schedule.schedules(ADMIN)
    assert (schedule.every, schedule.full_every) == (timedelta(minutes=30), timedelta(days=1))
    assert clocked.worker.run_once().jobs == 0  # switched off
    CliRunner().invoke(main, ["roster", "schedule", "sis", "--on"])
    listed = CliRunner().invoke(main, ["roster", "schedule"])
    assert "sis: every 30 minutes, full every 1 day; next full run" in listed.stdout
    assert "never run" in listed.stdout
    wrong = CliRunner().invoke(main, ["roster", "schedule", "sis", "--every", "600",
                                      "--full-every", "1"])  # fmt: skip
    assert wrong.exit_code == 1
    assert "full_every" in wrong.output
