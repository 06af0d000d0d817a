"""LTI 1.3 login and launch over the real OIDC flow, against a fake LMS on 127.0.0.1 that signs
real id_tokens (DOMAIN.md §2: the 1EdTech certification cases)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import event

from lti_tool.bootstrap import Container
from lti_tool.domain.lti import DeploymentStatus
from lti_tool.domain.roles import IdentityKind, Role
from lti_tool.services.platforms import OPERATOR
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import (
    CERTIFICATION_INVALID,
    CERTIFICATION_VALID,
    ROLE_INSTRUCTOR,
    ROLE_LEARNER,
    FlaskToolClient,
)
from tests.lti.conftest import BASE, CLIENT, DEPLOYMENT, register


def people_count(container: Container) -> int:
    with container.uow_factory() as uow:
        return len(uow.people.people(limit=1000))


def test_an_instructor_launch_signs_in_with_roles(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    result = lms.launch(tool, CLIENT, roles=(ROLE_INSTRUCTOR,), sub="teacher-42", name="Ana Ruiz")
    assert result.response.status_code == 302, result.response.get_data(as_text=True)
    home = tool.client.get(f"{BASE}/")
    assert home.status_code == 200 and "Ana Ruiz" in home.get_data(as_text=True)
    with container.uow_factory() as uow:
        person = uow.people.find_by_identity(IdentityKind.LTI_SUBJECT, lms.issuer, "teacher-42")
        assert person is not None
        roles = {(item.role, item.context_id) for item in uow.people.roles_of(person.id)}
        registration = uow.platforms.find(lms.issuer, CLIENT)
    assert roles == {(Role.ASSESSOR, "ctx-1")}
    assert registration is not None and registration.product_family == "canvas"
    # The same person launching again is the same person.
    lms.launch(tool, CLIENT, roles=(ROLE_LEARNER,), sub="teacher-42", name="Ana Ruiz")
    with container.uow_factory() as uow:
        assert len(uow.people.people(limit=100)) == 1
        assert {item.role for item in uow.people.roles_of(person.id)} == {
            Role.ASSESSOR,
            Role.EDUCATOR,
        }


@pytest.mark.parametrize("preset", sorted(CERTIFICATION_VALID))
def test_valid_certification_launches_are_accepted(
    preset: str, tool: FlaskToolClient, lms: FakePlatform
) -> None:
    result = lms.launch(tool, CLIENT, launch_preset=preset)
    assert result.response.status_code == 302, result.response.get_data(as_text=True)
    assert tool.client.get(f"{BASE}/").status_code == 200


@pytest.mark.parametrize("preset", sorted(CERTIFICATION_INVALID))
def test_invalid_certification_launches_are_refused_with_a_reason(
    preset: str, tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    result = lms.launch(tool, CLIENT, launch_preset=preset)
    response = result.response
    assert 400 <= response.status_code < 500, (preset, response.status_code)
    page = response.get_data(as_text=True)
    assert "This launch was refused" in page and "Traceback" not in page
    assert people_count(container) == 0
    assert tool.client.get(f"{BASE}/").status_code == 401  # nobody was signed in


def test_a_replayed_id_token_is_refused(tool: FlaskToolClient, lms: FakePlatform) -> None:
    first = lms.launch(tool, CLIENT)
    assert first.response.status_code == 302
    replay = lms.complete(tool, first.grant)
    assert replay.status_code == 401 and "already used" in replay.get_data(as_text=True)
    # A fresh login whose state is valid cannot carry the old token either (nonce mismatch).
    second = lms.authorize(tool, CLIENT)
    smuggled = lms.complete(tool, second, id_token=first.grant.id_token)
    assert smuggled.status_code == 400 and "nonce" in smuggled.get_data(as_text=True)


def test_platform_key_rotation_refetches_the_key_set_once(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    assert lms.launch(tool, CLIENT).response.status_code == 302
    hits = lms.jwks_hits
    old_kid = lms.keys[0].kid
    assert lms.launch(tool, CLIENT).response.status_code == 302
    assert lms.jwks_hits == hits  # cached
    new_kid = lms.rotate_key(drop_old=True)
    assert lms.launch(tool, CLIENT).response.status_code == 302
    assert lms.jwks_hits == hits + 1  # one refetch for the unknown kid
    held = {kid for _, kid in container.lti.keys._loaded}
    assert new_kid in held and old_kid not in held  # the rotated-out key is not kept
    wrong = lms.launch(tool, CLIENT, header_overrides={"kid": "nobody"})
    again = lms.launch(tool, CLIENT, header_overrides={"kid": "nobody-either"})
    assert wrong.response.status_code == again.response.status_code == 400
    assert lms.jwks_hits == hits + 1  # refetching is rate-limited


def test_an_unknown_deployment_waits_for_an_admin(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    waiting = lms.launch(tool, CLIENT, deployment_id="new-canvas-install")
    assert waiting.response.status_code == 403
    assert "waiting for an administrator" in waiting.response.get_data(as_text=True)
    registration = container.platforms.find(lms.issuer, CLIENT)
    assert registration is not None
    with container.uow_factory() as uow:
        pending = uow.platforms.deployment(registration.id, "new-canvas-install")
    assert pending is not None and pending.status is DeploymentStatus.PENDING
    admin = container.people.add_person("Admin", roles=())
    with container.uow_factory() as uow:
        from lti_tool.domain.model import Organization, RoleAssignment, new_id
        from lti_tool.domain.roles import OrganizationKind

        org = Organization(new_id(), "District", OrganizationKind.DISTRICT)
        uow.people.add_organization(org)
        uow.people.add_role(RoleAssignment(admin.id, Role.ADMIN, org.id))
        uow.commit()
    container.platforms.decide(
        container.people.actor(admin.id), registration.id, "new-canvas-install", approve=True
    )
    approved = lms.launch(tool, CLIENT, deployment_id="new-canvas-install")
    assert approved.response.status_code == 302


def test_two_institutions_under_one_issuer_launch_as_themselves(
    app: Flask, container: Container, lms: FakePlatform
) -> None:
    register(container, lms, "credbridge-client-b")
    tool = FlaskToolClient(app.test_client())
    assert lms.launch(tool, "credbridge-client-b", sub="b-user").response.status_code == 302
    assert lms.launch(tool, CLIENT, sub="a-user").response.status_code == 302
    with container.uow_factory() as uow:
        slugs = {org.slug for org in uow.people.organizations()}
    assert len([slug for slug in slugs if slug and slug.startswith("lti-")]) == 2


def test_login_for_an_unregistered_platform_is_refused(tool: FlaskToolClient) -> None:
    response = tool.get(
        f"{BASE}/lti/login",
        params={"iss": "https://unknown.example", "login_hint": "x", "client_id": "nope"},
    )
    assert response.status_code == 403
    assert "credbridge platform add" in response.get_data(as_text=True)


def test_canvas_developer_key_configuration(tool: FlaskToolClient) -> None:
    config = tool.client.get(f"{BASE}/lti/config/canvas.json").get_json()
    assert config["oidc_initiation_url"] == f"{BASE}/lti/login"
    assert config["public_jwk_url"] == f"{BASE}/.well-known/jwks.json"
    assert tool.client.get(f"{BASE}/.well-known/jwks.json").get_json()["keys"]


def test_a_login_aimed_at_another_tool_is_refused(tool: FlaskToolClient, lms: FakePlatform) -> None:
    params = lms.login_params(CLIENT, target_link_uri=f"{BASE}.evil.example/lti/launch")
    response = tool.get(f"{BASE}/lti/login", params=params)
    assert response.status_code == 400 and "not this tool" in response.get_data(as_text=True)


def test_a_deployment_rejected_after_launches_is_refused_at_once(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    """Approved deployments are cached per process; a decision clears that cache."""
    assert lms.launch(tool, CLIENT, launch_preset="student").response.status_code == 302
    registration = container.platforms.find(lms.issuer, CLIENT)
    assert registration is not None
    container.platforms.decide(OPERATOR, registration.id, DEPLOYMENT, approve=False)
    refused = lms.launch(tool, CLIENT, launch_preset="student")
    assert refused.response.status_code == 403
    assert "refused by an administrator" in refused.response.get_data(as_text=True)


def test_an_admin_override_outlives_later_launches(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    """Launches only add roles; an admin taking the instructor's assessor role away must not
    be undone by the next launch (and deep linking, which needs it, is refused)."""
    from lti_tool.domain.model import Organization, RoleAssignment, new_id
    from lti_tool.domain.roles import OrganizationKind
    from lti_tool.services.role_overrides import OverrideMode

    lms.launch(tool, CLIENT, roles=(ROLE_INSTRUCTOR,), sub="teacher-7", name="Ana Ruiz")
    admin = container.people.add_person("Admin", roles=())
    with container.uow_factory() as uow:
        person = uow.people.find_by_identity(IdentityKind.LTI_SUBJECT, lms.issuer, "teacher-7")
        assert person is not None
        org = Organization(new_id(), "District", OrganizationKind.DISTRICT)
        uow.people.add_organization(org)
        uow.people.add_role(RoleAssignment(admin.id, Role.ADMIN, org.id))
        uow.commit()
    container.role_overrides.override(
        container.people.actor(admin.id), person.id, Role.ASSESSOR, OverrideMode.REVOKE,
        "Not an assessor in this district",
    )  # fmt: skip
    again = lms.launch(
        tool,
        CLIENT,
        roles=(ROLE_INSTRUCTOR,),
        sub="teacher-7",
        message_type="LtiDeepLinkingRequest",
    )
    assert again.response.status_code == 403
    assert "Only instructors add content" in again.response.get_data(as_text=True)
    assert Role.ASSESSOR not in container.people.actor(person.id).roles


def test_a_launch_reads_before_it_writes(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    """The sign-in's first write takes SQLite's one write lock until the commit: its reads
    (person, roles, overrides) come before it, so the other workers' launches do not wait on
    them. A learner's launch without a credential: no grade link or course sync to check."""
    learner = {"sub": "returning", "roles": (ROLE_LEARNER,)}
    assert lms.launch(tool, CLIENT, **learner).response.status_code == 302
    grant = lms.authorize(tool, CLIENT, **learner)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    def committed(_conn: object) -> None:
        statements.append("COMMIT")

    event.listen(container.engine, "before_cursor_execute", seen)
    event.listen(container.engine, "commit", committed)
    try:
        assert lms.complete(tool, grant).status_code == 302
    finally:
        event.remove(container.engine, "before_cursor_execute", seen)
        event.remove(container.engine, "commit", committed)
    first_write = next(index for index, verb in enumerate(statements) if verb != "SELECT")
    sign_in = statements[first_write : statements.index("COMMIT", first_write)]
    assert sign_in[0] == "DELETE", statements  # the login state is the first thing written
    assert "SELECT" not in sign_in, statements
    assert sign_in.count("INSERT") >= 2, statements  # the used nonce and the audit entry
