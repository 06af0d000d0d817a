"""Admin, Rosters over HTTP: reports, one report, ambiguous matches, correcting an employee id."""

from __future__ import annotations

import html

from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.domain.roles import IdentityKind, OrganizationKind, Role
from lti_tool.domain.roster.entities import Entity
from lti_tool.web.app import create_app
from tests.roster.conftest import package, run_import, stored
from tests.web.http import post, sign_in


def test_admin_reads_reports_questions_and_corrects_an_employee_id(
    container: Container, scope: str
) -> None:
    container.people.add_person("Omar (email)", email="omar.haddad@riverbend.example")
    container.people.add_person(
        "Omar (HR)", identities=((IdentityKind.EMPLOYEE_ID, scope, "0012346"),)
    )
    report = run_import(container, package("dirty_v11"), scope)
    admin = container.people.add_person("Ada Admin", roles=((Role.ADMIN, scope),))
    teacher = container.people.add_person("Ted Teacher", roles=((Role.EDUCATOR, scope),))
    client: FlaskClient = create_app(container=container).test_client()

    sign_in(client, teacher.id)
    assert client.get("/admin/roster").status_code == 403
    assert client.get(f"/admin/roster/reports/{report.id}").status_code == 403

    sign_in(client, admin.id)
    index = html.unescape(client.get("/admin/roster").get_data(as_text=True))
    assert "dirty_v11" in index
    assert "Omar Haddad" in index  # the ambiguous match waits here
    page = html.unescape(client.get(f"/admin/roster/reports/{report.id}").get_data(as_text=True))
    assert "ORPHAN_REFERENCE" in page
    assert "'ghost'" in page
    assert client.get("/admin/roster/reports/nope").status_code == 404

    users = client.get(f"/admin/roster/districts/{scope}/users?q=jones").get_data(as_text=True)
    assert "tamara.jones@riverbend.example" in users
    assert "st1" not in users
    saved = post(client, f"/admin/roster/districts/{scope}/users/t1/employee-id",
                 employee_id="7654321")  # fmt: skip
    assert saved.status_code == 302
    assert stored(container, Entity.USERS, scope)["t1"]["employee_id"] == "7654321"
    missing = post(client, f"/admin/roster/districts/{scope}/users/nobody/employee-id",
                   employee_id="1")  # fmt: skip
    assert missing.status_code == 302
    assert container.people.organizations(OrganizationKind.DISTRICT)[0].id == scope


def test_the_employee_id_form_needs_a_csrf_token(container: Container, scope: str) -> None:
    run_import(container, package("v11_bulk"), scope)
    admin = container.people.add_person("Ada Admin", roles=((Role.ADMIN, scope),))
    client = create_app(container=container).test_client()
    sign_in(client, admin.id)

    refused = client.post(
        f"/admin/roster/districts/{scope}/users/t1/employee-id", data={"employee_id": "x"}
    )

    assert refused.status_code == 400
    assert stored(container, Entity.USERS, scope)["t1"]["employee_id"] == "0012345"
