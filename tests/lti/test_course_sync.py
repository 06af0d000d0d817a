"""The course roster read in the background: an instructor's launch queues an NRPS read (at
most once per interval per course), and the outbox worker reads every page from the fake LMS
over real HTTP and makes the members people with their roles."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from lti_tool.bootstrap import Container, build
from lti_tool.domain.roles import IdentityKind, Role
from lti_tool.services.lti_links import NRPS_SYNC_TOPIC
from lti_tool.web.app import create_app
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import ROLE_INSTRUCTOR, ROLE_LEARNER, FlaskToolClient
from tests.lti.conftest import CLIENT, add_roster, register
from tests.web.conftest import make_settings


def _syncs(container: Container) -> list[str]:
    with container.uow_factory() as uow:
        return [event.key for event in uow.outbox.all(NRPS_SYNC_TOPIC)]


def test_an_instructor_launch_queues_one_roster_read_over_three_pages(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    add_roster(lms)
    lms.launch(tool, CLIENT, roles=(ROLE_LEARNER,), sub="learner-1")
    assert _syncs(container) == []  # a learner's launch reads no roster
    lms.launch(tool, CLIENT, roles=(ROLE_INSTRUCTOR,), sub="teacher-1", name="Ana Ruiz")
    lms.launch(tool, CLIENT, roles=(ROLE_INSTRUCTOR,), sub="teacher-1", name="Ana Ruiz")
    assert len(_syncs(container)) == 1  # the second launch is inside the interval

    report = container.worker.drain()

    assert report.delivered == 1 and report.dead == 0
    nrps_calls = [call for call in lms.service_calls if call.path.startswith("/nrps/")]
    assert len(nrps_calls) == 3 and all(call.status == 200 for call in nrps_calls)
    with container.uow_factory() as uow:
        imported = uow.people.find_by_identity(IdentityKind.LTI_SUBJECT, lms.issuer, "learner-119")
        gone = uow.people.find_by_identity(IdentityKind.LTI_SUBJECT, lms.issuer, "gone")
        assert imported is not None and gone is None
        assert imported.email == "learner119@district.example"
        assert {item.role for item in uow.people.roles_of(imported.id)} == {Role.EDUCATOR}
        registration_id = uow.platforms.find(lms.issuer, CLIENT).id  # type: ignore[union-attr]
        sync = uow.lti_services.course_sync(registration_id, "ctx-1")
        assert sync is not None and sync.members == 122 and sync.error is None
        # Once the interval has passed, the next instructor launch reads the roster again.
        uow.lti_services.put_course_sync(
            replace(sync, queued_at=sync.queued_at - timedelta(hours=2))
        )
        uow.commit()
    lms.launch(tool, CLIENT, roles=(ROLE_INSTRUCTOR,), sub="teacher-1", name="Ana Ruiz")
    assert len(_syncs(container)) == 2
    assert container.worker.drain().delivered == 1
    page = tool.client.get("http://127.0.0.1:8000/course/cohort").get_data(as_text=True)
    assert "Learner 000" in page and "Learner 119" in page and "Gone Away" not in page


def test_a_roster_past_the_page_cap_is_refused_not_half_imported(
    database_url: str, tmp_path: Path, lms: FakePlatform
) -> None:
    settings = make_settings(
        database_url, tmp_path / "instance", CREDBRIDGE_DEMO="0", CREDBRIDGE_NRPS_PAGE_CAP="2"
    )
    container = build(settings)
    try:
        register(container, lms)
        tool = FlaskToolClient(create_app(container=container).test_client())
        add_roster(lms)
        lms.launch(tool, CLIENT, roles=(ROLE_INSTRUCTOR,), sub="teacher-1", name="Ana Ruiz")
        report = container.worker.drain()
        assert report.dead == 1 and report.delivered == 0
        with container.uow_factory() as uow:
            (event,) = uow.outbox.all(NRPS_SYNC_TOPIC)
            assert "page cap" in (event.last_error or "")
            assert (
                uow.people.find_by_identity(IdentityKind.LTI_SUBJECT, lms.issuer, "learner-1")
                is None
            )
            registration_id = uow.platforms.find(lms.issuer, CLIENT).id  # type: ignore[union-attr]
            sync = uow.lti_services.course_sync(registration_id, "ctx-1")
        assert sync is not None and "page cap" in (sync.error or "")
    finally:
        container.lti.http.close()
        container.engine.dispose()
