"""``LtiAdapter.launch``: a launch consumed in a transaction of its own (the lean DBAPI path,
not the sign-in's unit of work), against a fake LMS on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from lti_tool.bootstrap import Container, build
from lti_tool.lti.launch import LoginRedirect
from lti_tool.lti.refusals import LaunchRefusedError
from tests.fakes.lms import FakePlatform
from tests.lti.conftest import CLIENT, register
from tests.web.conftest import make_settings


@pytest.fixture
def registered(container: Container, lms: FakePlatform) -> Container:
    register(container, lms)
    return container


@pytest.fixture
def other_worker(database_url: str, tmp_path: Path) -> Iterator[Container]:
    """A second process's container on the same database (another gunicorn worker)."""
    built = build(make_settings(database_url, tmp_path / "other", CREDBRIDGE_DEMO="0"))
    yield built
    built.lti.http.close()
    built.engine.dispose()


def login(container: Container, lms: FakePlatform, hint: str = "user-1") -> LoginRedirect:
    return container.lti.login(
        {
            "iss": lms.issuer,
            "client_id": CLIENT,
            "login_hint": hint,
            "target_link_uri": f"{container.settings.base_url}/lti/launch",
        }
    )


def test_a_launch_is_accepted_once_and_refused_on_every_worker_after(
    registered: Container, lms: FakePlatform, other_worker: Container
) -> None:
    redirect = login(registered, lms)
    body = {"id_token": lms.id_token(CLIENT, nonce=redirect.nonce), "state": redirect.state}
    context = registered.lti.launch(body, secure=True)
    assert (context.issuer, context.client_id) == (lms.issuer, CLIENT)
    for worker in (registered, other_worker):
        with pytest.raises(LaunchRefusedError) as refused:
            worker.lti.launch(body, secure=True)
        assert refused.value.status == 401


def test_a_refused_launch_consumes_nothing(registered: Container, lms: FakePlatform) -> None:
    first, second = login(registered, lms, "user-1"), login(registered, lms, "user-2")
    # The second login's token posted with the first login's state: the nonce does not match.
    crossed = {"id_token": lms.id_token(CLIENT, nonce=second.nonce), "state": first.state}
    with pytest.raises(LaunchRefusedError, match="nonce does not match"):
        registered.lti.launch(crossed, secure=True)
    # Both logins are still there, and each finishes with its own token.
    for redirect in (first, second):
        token = lms.id_token(CLIENT, nonce=redirect.nonce)
        registered.lti.launch({"id_token": token, "state": redirect.state}, secure=True)


def test_the_lean_path_writes_the_rows_the_unit_of_work_reads(
    registered: Container, lms: FakePlatform
) -> None:
    redirect = login(registered, lms)
    token = lms.id_token(CLIENT, nonce=redirect.nonce)
    registered.lti.launch({"id_token": token, "state": redirect.state}, secure=True)
    now = registered.clock.now()
    with registered.uow_factory() as uow:
        assert uow.launch_states.take_login(redirect.state, now) is None
        # The nonce is recorded as used, under the issuer, with comparable datetimes: the
        # session's own INSERT ... ON CONFLICT sees it, and the purge finds it once expired.
        assert not uow.launch_states.consume_nonce(lms.issuer, redirect.nonce, now, now)
        assert uow.launch_states.purge_expired(now) == 0
        assert uow.launch_states.purge_expired(now + timedelta(days=1)) == 1
