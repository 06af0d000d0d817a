"""An LMS course roster (LTI NRPS, the fake LMS on 127.0.0.1) fed through the roster service:
the LMS wins for course membership, the SIS for identity and school membership."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from lti_tool.bootstrap import Container
from lti_tool.cli import main
from lti_tool.db.repositories.roster import SqlRosterStore
from lti_tool.domain.lti import PlatformRegistration
from lti_tool.domain.roles import IdentityKind
from lti_tool.domain.roster.entities import Entity
from lti_tool.domain.roster.lms import enrollment_role
from lti_tool.domain.roster.report import ReportStatus
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import ROLE_INSTRUCTOR, ROLE_LEARNER
from tests.lti.services.test_tokens_and_nrps import register
from tests.roster.conftest import package, run_import, stored

ROLE_MENTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"


@pytest.fixture
def lms() -> Iterator[FakePlatform]:
    with FakePlatform() as platform:
        yield platform


def course(lms: FakePlatform) -> str:
    """Algebra I in the LMS: the SIS's teacher and st1, plus st3 (SIS: Biology only), a mentor,
    someone the SIS does not know, and st2 who dropped the course; no st2 enrollment."""
    lms.add_context("alg-1")
    lms.add_member("alg-1", "sub-t1", (ROLE_INSTRUCTOR,), lis_person_sourcedid="t1")
    lms.add_member("alg-1", "sub-st1", (ROLE_LEARNER,), lis_person_sourcedid="st1")
    lms.add_member("alg-1", "sub-st3", (ROLE_LEARNER,), name="Stu Three")
    lms.add_member("alg-1", "sub-st2", (ROLE_LEARNER,), lis_person_sourcedid="st2",
                   status="Inactive")  # fmt: skip
    lms.add_member("alg-1", "sub-mom", (ROLE_MENTOR,), lis_person_sourcedid="st1")
    lms.add_member("alg-1", "sub-x", (ROLE_LEARNER,), name="Xavier Unknown")
    return f"{lms.base_url}/nrps/alg-1"


def setup(container: Container, lms: FakePlatform, scope: str) -> PlatformRegistration:
    run_import(container, package("v11_bulk"), scope)
    registration = register(container, lms)
    # st3 launched from this LMS before, and their person is linked to roster user st3.
    person = container.people.add_person(
        "Stu Three", identities=((IdentityKind.LTI_SUBJECT, lms.issuer, "sub-st3"),)
    )
    with SqlRosterStore(container.engine) as store:
        store.link(scope, "st3", person.id, None)
        store.commit()
    return registration


def test_the_lms_decides_who_is_in_the_class_and_the_sis_who_exists(
    container: Container, scope: str, lms: FakePlatform
) -> None:
    registration = setup(container, lms, scope)
    users_before = stored(container, Entity.USERS, scope)

    report = container.roster_lms.sync_course(registration, course(lms), scope, "cl-1")

    assert report.status is ReportStatus.COMPLETED, report.problems
    enrollments = stored(container, Entity.ENROLLMENTS, scope)
    active = {(e["class_sourced_id"], e["user_sourced_id"]) for e in enrollments.values()
              if e["active"]}  # fmt: skip
    assert {pair for pair in active if pair[0] == "cl-1"} == {
        ("cl-1", "t1"),
        ("cl-1", "st1"),
        ("cl-1", "st3"),
    }
    assert enrollments["e3"]["active"] is False  # st2 dropped the course in the LMS
    assert enrollments["e1"]["begin_date"] == "2026-08-15"  # the SIS row kept its own data
    assert enrollments["lms:cl-1:st3"]["school_sourced_id"] == "s1"  # the SIS's school
    assert {("cl-2", "t2"), ("cl-2", "st3"), ("cl-2", "st4")} <= active  # other classes untouched
    assert report.count("enrollments").created == 1
    assert report.count("enrollments").deleted == 1
    # The SIS wins for identity: no user was created or changed.
    assert stored(container, Entity.USERS, scope) == users_before
    assert report.problem_counts == {"LMS_ROLE_IGNORED": 1, "NOT_IN_SIS": 1}
    assert "Xavier Unknown" in next(p.message for p in report.problems if p.code == "NOT_IN_SIS")

    again = container.roster_lms.sync_course(registration, course(lms), scope, "cl-1")
    assert again.count("enrollments").created == 0
    assert again.count("enrollments").deleted == 0


def test_an_unknown_class_or_an_unreachable_course_fails_with_a_report(
    container: Container, scope: str, lms: FakePlatform
) -> None:
    registration = setup(container, lms, scope)
    url = course(lms)

    unknown = container.roster_lms.sync_course(registration, url, scope, "cl-404")
    missing = container.roster_lms.sync_course(registration, f"{lms.base_url}/nrps/nope", scope,
                                               "cl-1")  # fmt: skip

    assert unknown.status is ReportStatus.FAILED
    assert unknown.problems[0].code == "UNKNOWN_CLASS"
    assert missing.status is ReportStatus.FAILED
    assert missing.problems[0].code == "SOURCE_FAILED"
    assert all(e["active"] for e in stored(container, Entity.ENROLLMENTS, scope).values())


def test_lti_roles_map_to_course_roles() -> None:
    assert enrollment_role((ROLE_INSTRUCTOR, ROLE_LEARNER)) == "teacher"
    assert enrollment_role(("Learner",)) == "student"
    assert (
        enrollment_role(
            ("http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",)
        )
        == "teacher"
    )
    assert enrollment_role((ROLE_MENTOR,)) is None


def test_cli_lms_sync_prints_the_report(
    container: Container, scope: str, lms: FakePlatform, cli_env: str
) -> None:
    registration = setup(container, lms, scope)

    result = CliRunner().invoke(
        main,
        ["roster", "lms-sync", "--platform", registration.id, "--memberships-url", course(lms),
         "--class", "cl-1", "--org", "riverbend", "--json"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"]["enrollments"]["created"] == 1
    assert report["problem_counts"] == {"LMS_ROLE_IGNORED": 1, "NOT_IN_SIS": 1}
    unknown = CliRunner().invoke(
        main, ["roster", "lms-sync", "--platform", "nope", "--memberships-url", "http://x",
               "--class", "cl-1"],
    )  # fmt: skip
    assert unknown.exit_code == 1
    assert "Traceback" not in unknown.output
