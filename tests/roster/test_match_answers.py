"""An admin answers ambiguous identity matches over HTTP (link to one candidate, or keep the
roster user separate) and corrects employee ids; every answer is audited."""

from __future__ import annotations

import html

import pytest
from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.db.repositories.roster import SqlRosterStore
from lti_tool.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from lti_tool.domain.model import Person
from lti_tool.domain.roles import IdentityKind, Role
from lti_tool.domain.roster.entities import Entity
from lti_tool.ports import AuditFilter
from lti_tool.web.app import create_app
from tests.roster.conftest import ADMIN, package, run_import, stored
from tests.web.http import post, sign_in


def identities(container: Container, person_id: str) -> set[tuple[str, str, str]]:
    with container.uow_factory() as uow:
        return {(i.kind, i.namespace, i.value) for i in uow.people.identities_of(person_id)}


def ambiguous(container: Container, scope: str) -> tuple[Person, Person]:
    """Omar Haddad (t2) of v11_bulk: his email finds one person, his employee id another."""
    by_email = container.people.add_person("Omar (email)", email="omar.haddad@riverbend.example")
    by_hr = container.people.add_person(
        "Omar (HR)", identities=((IdentityKind.EMPLOYEE_ID, scope, "0012346"),)
    )
    run_import(container, package("v11_bulk"), scope)
    return by_email, by_hr


def admin_client(container: Container, scope: str) -> tuple[FlaskClient, Person]:
    admin = container.people.add_person("Ada Admin", roles=((Role.ADMIN, scope),))
    client = create_app(container=container).test_client()
    sign_in(client, admin.id)
    return client, admin


def test_an_admin_links_an_ambiguous_roster_user_to_the_chosen_person(
    container: Container, scope: str
) -> None:
    _by_email, by_hr = ambiguous(container, scope)
    client, admin = admin_client(container, scope)
    page = html.unescape(client.get("/admin/roster").get_data(as_text=True))
    assert "Omar (email)" in page and "found by email" in page
    assert "Omar (HR)" in page and "found by employee id" in page
    [view] = container.roster_answers.question_page(ADMIN).items

    done = post(client, f"/admin/roster/questions/{view.question.id}", person_id=by_hr.id)

    assert done.status_code == 302
    assert stored(container, Entity.USERS, scope)["t2"]["person_id"] == by_hr.id
    assert (IdentityKind.ONEROSTER_SOURCED_ID, scope, "t2") in identities(container, by_hr.id)
    assert container.roster_answers.question_page(ADMIN).items == []
    entries, _ = container.audit.page(ADMIN, AuditFilter(action="roster_link"))
    [entry] = entries.items
    assert (entry.actor_id, entry.entity_id) == (admin.id, by_hr.id)
    assert "t2" in entry.note
    # The next import finds him linked and asks nothing.
    report = run_import(container, package("v11_bulk"), scope)
    assert report.count("people").skipped == 0
    assert container.roster_answers.question_page(ADMIN).items == []
    with pytest.raises(NotFoundError):  # answered already
        container.roster_answers.answer(ADMIN, view.question.id, by_hr.id)


def test_keeping_a_roster_user_separate_makes_a_person_without_taking_identities(
    container: Container, scope: str
) -> None:
    by_email, by_hr = ambiguous(container, scope)
    client, admin = admin_client(container, scope)
    [view] = container.roster_answers.question_page(ADMIN).items

    assert (
        post(client, f"/admin/roster/questions/{view.question.id}", person_id="new").status_code
        == 302
    )

    new_id = stored(container, Entity.USERS, scope)["t2"]["person_id"]
    assert new_id not in (None, by_email.id, by_hr.id)
    assert identities(container, new_id) == {(IdentityKind.ONEROSTER_SOURCED_ID, scope, "t2")}
    assert (IdentityKind.EMAIL, "", "omar.haddad@riverbend.example") in identities(
        container, by_email.id
    )
    entries, _ = container.audit.page(ADMIN, AuditFilter(entity_id=new_id))
    assert {e.action for e in entries.items} >= {"create", "roster_link"}
    assert all(e.actor_id == admin.id for e in entries.items if e.action == "roster_link")


def test_only_a_candidate_can_be_chosen_and_only_by_an_admin_with_a_csrf_token(
    container: Container, scope: str
) -> None:
    ambiguous(container, scope)
    stranger = container.people.add_person("Someone Else")
    teacher = container.people.add_person("Ted", roles=((Role.EDUCATOR, scope),))
    client, _ = admin_client(container, scope)
    [view] = container.roster_answers.question_page(ADMIN).items
    url = f"/admin/roster/questions/{view.question.id}"

    refused = post(client, url, person_id=stranger.id)
    assert refused.status_code == 302
    flashed = html.unescape(client.get("/admin/roster").get_data(as_text=True))
    assert "Choose one of the people the matching rules found" in flashed
    assert client.post(url, data={"person_id": "new"}).status_code == 400  # no CSRF token
    sign_in(client, teacher.id)
    assert post(client, url, person_id="new").status_code == 403
    assert stored(container, Entity.USERS, scope)["t2"]["person_id"] is None
    with pytest.raises(ValidationError):
        container.roster_answers.answer(ADMIN, view.question.id, stranger.id)


def test_correcting_an_employee_id_is_audited(container: Container, scope: str) -> None:
    run_import(container, package("v11_bulk"), scope)
    client, admin = admin_client(container, scope)

    post(client, f"/admin/roster/districts/{scope}/users/t1/employee-id", employee_id="7654321")

    assert stored(container, Entity.USERS, scope)["t1"]["employee_id"] == "7654321"
    entries, _ = container.audit.page(ADMIN, AuditFilter(action="roster_employee_id"))
    [entry] = entries.items
    assert (entry.actor_id, entry.entity_id) == (admin.id, scope)
    assert (entry.from_state, entry.to_state) == ("0012345", "7654321")
    assert "t1" in entry.note


def test_open_questions_page_oldest_first(container: Container, scope: str) -> None:
    by_email, _by_hr = ambiguous(container, scope)  # Omar's question comes first
    tess = container.people.add_person("Tess", roles=((Role.EDUCATOR, scope),))
    with SqlRosterStore(container.engine) as store:
        for number in range(3):
            candidate = [{"person_id": by_email.id, "rule": "email"}]
            at = container.clock.now()
            store.ask(scope, f"x{number}", f"Extra {number}", candidate, "two people", at)
        store.commit()
    first = container.roster_answers.question_page(ADMIN, 1, per_page=3)
    assert first.total == 4 and first.pages == 2
    assert [v.question.sourced_id for v in first.items] == ["t2", "x0", "x1"]
    last = container.roster_answers.question_page(ADMIN, 2, per_page=3)
    assert [v.question.sourced_id for v in last.items] == ["x2"]
    beyond = container.roster_answers.question_page(ADMIN, 9, per_page=3)
    assert beyond.items == [] and beyond.total == 4
    with pytest.raises(PermissionDeniedError):
        container.roster_answers.question_page(container.people.actor(tess.id), 1)
    client, _admin = admin_client(container, scope)
    page = client.get("/admin/roster?page=1").get_data(as_text=True)
    assert "4 in all" in page and "Extra 2" in page  # 25 a page: all four on one page
