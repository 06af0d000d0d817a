"""OneRoster REST sync against the fake provider on 127.0.0.1: 1.1 OAuth 1.0a and 1.2 OAuth 2,
capped limits, X-Total-Count and Link, 429 with Retry-After, a 500 midway, a dropped connection,
resuming after a crash, and incremental syncs that only ask for what changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from lti_tool.bootstrap import Container
from lti_tool.domain.roster.entities import Entity
from lti_tool.domain.roster.report import ReportStatus
from tests.fakes.oneroster import SCOPE, FakeOneRoster
from tests.roster.conftest import stored

T0 = "2026-08-01T00:00:00.000Z"


def ref(sourced_id: str) -> dict[str, str]:
    return {"sourcedId": sourced_id, "href": f"/x/{sourced_id}", "type": "org"}


def district(version: str, students: int = 8) -> dict[str, list[dict[str, Any]]]:
    """A small district as a provider would serve it (the JSON binding, not CSV)."""
    base = {"status": "active", "dateLastModified": T0}
    users = [
        {**base, "sourcedId": "t1", "enabledUser": True, "username": "tjones",
         "userIds": [{"type": "LDAP", "identifier": "12"}], "givenName": "Tamara",
         "familyName": "Jones", "identifier": "0012345", "email": "tamara.jones@riverbend.example"},
    ] + [
        {**base, "sourcedId": f"st{n}", "enabledUser": "true", "username": f"st{n}",
         "givenName": "Stu", "familyName": f"Dent{n}", "identifier": f"S{n}"}
        for n in range(students)
    ]  # fmt: skip
    for user in users:
        role = "teacher" if user["sourcedId"] == "t1" else "student"
        if version == "1.1":
            user.update(role=role, orgs=[ref("s1")])
        else:
            user["roles"] = [{"roleType": "primary", "role": role, "org": ref("s1")}]
            user["primaryOrg"] = ref("s1")
    return {
        "orgs": [
            {**base, "sourcedId": "d1", "name": "Riverbend", "type": "district"},
            {**base, "sourcedId": "s1", "name": "Riverbend High", "type": "school",
             "parent": ref("d1")},
        ],
        "academicSessions": [
            {**base, "sourcedId": "t1-2026", "title": "Fall", "type": "term",
             "startDate": "2026-08-15", "endDate": "2026-12-20", "schoolYear": "2027"},
        ],
        "courses": [{**base, "sourcedId": "c1", "title": "Algebra", "org": ref("d1")}],
        "classes": [
            {**base, "sourcedId": "cl1", "title": "Algebra P1", "classType": "scheduled",
             "course": ref("c1"), "school": ref("s1"), "terms": [ref("t1-2026")]},
        ],
        "users": users,
        "enrollments": [
            {**base, "sourcedId": f"e-{u['sourcedId']}", "class": ref("cl1"),
             "school": ref("s1"), "user": ref(u["sourcedId"]),
             "role": "teacher" if u["sourcedId"] == "t1" else "student", "primary": False}
            for u in users
        ],
    }  # fmt: skip


@pytest.fixture
def waits(container: Container) -> Iterator[list[float]]:
    recorded: list[float] = []
    container.roster_http.sleep = recorded.append
    yield recorded
    container.roster_http.close()


def add(container: Container, scope: str, provider: FakeOneRoster, version: str,
        **options: str) -> None:  # fmt: skip
    extra: dict[str, Any] = (
        {"token_url": provider.token_url, "scopes": SCOPE} if version == "1.2" else {}
    )
    container.roster_sync.add_provider(
        "sis", scope, version, provider.base_url, provider.client_id, provider.secret,
        **extra, **options,
    )  # fmt: skip


def test_1_1_full_sync_signs_with_hmac_sha256_and_pages_past_the_capped_limit(
    container: Container, scope: str, waits: list[float]
) -> None:
    with FakeOneRoster(district("1.1")) as provider:
        add(container, scope, provider, "1.1")
        report = container.roster_sync.sync("sis", full=True)

    assert report.status is ReportStatus.COMPLETED, report.problems
    assert report.count("users").created == 9
    assert report.count("enrollments").created == 9
    assert provider.offsets("users") == [0, 3, 6]  # asked for 100, got 3 at a time
    assert set(provider.signature_methods) == {"HMAC-SHA256"}
    assert stored(container, Entity.USERS, scope)["t1"]["user_ids"] == "{LDAP:12}"
    assert stored(container, Entity.CLASSES, scope)["cl1"]["term_sourced_ids"] == "t1-2026"
    assert report.count("people").created == 1
    assert waits == []


def test_hmac_sha1_is_selectable_and_a_wrong_secret_is_an_auth_failure(
    container: Container, scope: str, waits: list[float]
) -> None:
    with FakeOneRoster(district("1.1", students=1)) as provider:
        add(container, scope, provider, "1.1", signature_method="HMAC-SHA1")
        report = container.roster_sync.sync("sis")
        assert set(provider.signature_methods) == {"HMAC-SHA1"}
        assert report.count("users").created == 2

        provider.secret = "rotated"
        refused = container.roster_sync.sync("sis", full=True)
    assert refused.status is ReportStatus.FAILED
    assert "401" in refused.problems[0].message
    assert waits == []  # an auth failure is not retried


def test_1_2_uses_client_credentials_and_roles_embedded_in_users(
    container: Container, scope: str, waits: list[float]
) -> None:
    with FakeOneRoster(district("1.2"), send_total=False, send_links=False) as provider:
        add(container, scope, provider, "1.2")
        report = container.roster_sync.sync("sis", full=True)

    assert report.status is ReportStatus.COMPLETED, report.problems
    assert report.count("roles").created == 9
    assert stored(container, Entity.USERS, scope)["t1"]["role"] == "teacher"
    assert stored(container, Entity.USERS, scope)["t1"]["primary_org_sourced_id"] == "s1"
    # Without X-Total-Count or Link, short pages are not taken as the end: an empty one is.
    assert provider.offsets("enrollments") == [0, 3, 6, 9]
    assert len(provider.tokens) == 1


def test_429_500_and_a_dropped_connection_are_retried(
    container: Container, scope: str, waits: list[float]
) -> None:
    with FakeOneRoster(district("1.1")) as provider:
        add(container, scope, provider, "1.1")
        provider.faults = [("ok",)] * 6 + [("429", 7), ("500",), ("drop",)]
        report = container.roster_sync.sync("sis", full=True)

    assert report.status is ReportStatus.COMPLETED, report.problems
    assert report.count("users").created == 9
    assert waits == [7.0, 2.0, 4.0]  # Retry-After honoured, then exponential backoff
    assert report.problems == []


def test_a_sync_that_dies_midway_resumes_from_its_bookmark(
    container: Container, scope: str, waits: list[float]
) -> None:
    container.roster_http.max_attempts = 2
    with FakeOneRoster(district("1.1")) as provider:
        add(container, scope, provider, "1.1")
        # orgs, sessions, courses, classes (4 requests), users page 1, then users page 2 fails.
        provider.faults = [("ok",)] * 5 + [("500",), ("500",)]
        failed = container.roster_sync.sync("sis")
        assert failed.status is ReportStatus.FAILED
        assert "SOURCE_FAILED" in failed.problem_counts
        assert failed.count("users").created == 3  # the committed first page stays
        assert "enrollments" not in failed.counts  # nothing after the failure was tried

        provider.requests_seen.clear()
        resumed = container.roster_sync.sync("sis")

    assert resumed.status is ReportStatus.COMPLETED, resumed.problems
    assert provider.offsets("users") == [3, 6]  # resumed after the committed page
    assert resumed.count("users").created == 6
    assert len(stored(container, Entity.USERS, scope)) == 9
    assert resumed.count("enrollments").created == 9


def test_incremental_sync_asks_only_for_changes_since_the_last_one(
    container: Container, scope: str, waits: list[float]
) -> None:
    data = district("1.1")
    with FakeOneRoster(data) as provider:
        add(container, scope, provider, "1.1")
        container.roster_sync.sync("sis", full=True)
        data["users"][2].update(familyName="Changed", dateLastModified="2026-09-01T00:00:00.000Z")
        data["enrollments"][2].update(status="tobedeleted",
                                      dateLastModified="2026-09-01T00:00:00.000Z")  # fmt: skip
        provider.requests_seen.clear()
        report = container.roster_sync.sync("sis")

    filters = {q.get("filter") for _, q in provider.requests_seen}
    assert filters == {f"dateLastModified>'{T0}'"}
    assert report.count("users").updated == 1
    assert report.count("enrollments").deleted == 1
    assert stored(container, Entity.USERS, scope)["st1"]["family_name"] == "Changed"
    bookmark = json.loads(container.roster_sync.bookmarks("sis")[Entity.USERS] or "{}")
    assert bookmark["since"] == "2026-09-01T00:00:00.000Z"


def test_provider_secrets_are_encrypted_at_rest(container: Container, scope: str) -> None:
    with FakeOneRoster(district("1.1", students=0)) as provider:
        add(container, scope, provider, "1.1")
    [saved] = container.roster_sync.providers()
    assert saved.secret != provider.secret
    assert provider.secret not in repr(saved)
    assert container.secrets.decrypt(saved.secret) == provider.secret
