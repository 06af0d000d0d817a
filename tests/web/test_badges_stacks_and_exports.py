"""Stack credentials, the Open Badges 2.0 export, and the credentials commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.cli import main
from lti_tool.domain.badges import CredentialKind, StackPolicy
from tests.web.conftest import District
from tests.web.http import post, sign_in
from tests.web.test_badges_flow import api_verify, award

STACK = ("learning-goals-success-criteria", "hinge-questions", "actionable-feedback")


def holdings(container: Container, person_id: str) -> list[CredentialKind]:
    with container.uow_factory() as uow:
        return [item.kind for item in uow.credentials.for_person(person_id)]


def test_a_completed_stack_waits_for_the_issuer_then_is_issued(
    client: FlaskClient, container: Container, district: District
) -> None:
    for slug in STACK[:2]:
        award(client, container, district, slug)
    assert container.stacks.pending(container.people.actor(district.issuer)) == []
    award(client, container, district, STACK[2])
    pending = container.stacks.pending(container.people.actor(district.issuer))
    assert [item.stack.slug for item in pending] == ["formative-assessment"]
    assert CredentialKind.STACK not in holdings(container, district.teacher)

    sign_in(client, district.issuer)
    assert "holds every credential of" in client.get("/issued").get_data(as_text=True)
    response = post(client, f"/issued/stacks/{pending[0].award.id}", decision="approve")
    assert response.status_code == 302
    with container.uow_factory() as uow:
        stack = next(
            item for item in uow.credentials.for_person(district.teacher)
            if item.kind is CredentialKind.STACK
        )  # fmt: skip
    assert stack.title == "Formative Assessment"
    assert api_verify(client, stack.document)["status"] == "valid"
    assert (
        post(client, f"/issued/stacks/{pending[0].award.id}", decision="approve").status_code == 409
    )


def test_an_auto_policy_issues_the_stack_at_once(
    client: FlaskClient, container: Container, district: District
) -> None:
    first = award(client, container, district, STACK[0])
    container.credentials.update_issuer(first.issuer_id, stack_policy=StackPolicy.AUTO)
    for slug in STACK[1:]:
        award(client, container, district, slug)
    assert holdings(container, district.teacher).count(CredentialKind.STACK) == 1
    assert container.stacks.pending(container.people.actor(district.issuer)) == []


def test_revoked_credentials_do_not_count_toward_a_stack(
    client: FlaskClient, container: Container, district: District
) -> None:
    award(client, container, district, STACK[0])
    second = award(client, container, district, STACK[1])
    container.credentials.revoke(container.people.actor(district.issuer), second.id, "Error")
    award(client, container, district, STACK[2])
    assert container.stacks.pending(container.people.actor(district.issuer)) == []
    assert CredentialKind.STACK not in holdings(container, district.teacher)


def test_open_badges_2_hosted_documents_name_each_other(
    client: FlaskClient, container: Container, district: District
) -> None:
    issued = award(client, container, district)
    assertion = client.get(f"/ob2/assertions/{issued.id}").get_json(force=True)
    assert assertion["type"] == "Assertion" and assertion["verification"] == {"type": "HostedBadge"}
    assert (
        assertion["recipient"]["identity"]
        == issued.document["credentialSubject"]["identifier"][0]["identityHash"]
    )
    badge = client.get(assertion["badge"].removeprefix("http://127.0.0.1:8000")).get_json(
        force=True
    )
    assert badge["type"] == "BadgeClass" and badge["name"] == issued.title
    issuer = client.get(badge["issuer"].removeprefix("http://127.0.0.1:8000")).get_json(force=True)
    assert issuer["type"] == "Issuer" and issuer["email"] and issuer["url"]
    container.credentials.revoke(container.people.actor(district.issuer), issued.id, "Withdrawn")
    revoked = client.get(f"/ob2/assertions/{issued.id}").get_json(force=True)
    assert revoked["revoked"] is True and revoked["revocationReason"] == "Withdrawn"


@pytest.fixture
def cli_env(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = container.settings
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CREDBRIDGE_INSTANCE_PATH", str(settings.instance_path))
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)


def test_export_writes_json_and_jwt_and_verify_reads_them_back(
    client: FlaskClient, container: Container, district: District, cli_env: None, tmp_path: Path
) -> None:
    issued = award(client, container, district)
    out = tmp_path / "archive"
    result = CliRunner().invoke(main, ["credentials", "export", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / f"{issued.id}.json").read_text()) == issued.document
    assert (out / f"{issued.id}.jwt").read_text() == issued.jwt
    for name in (f"{issued.id}.json", f"{issued.id}.jwt"):
        checked = CliRunner().invoke(main, ["credentials", "verify", str(out / name)])
        assert checked.exit_code == 0 and "VALID" in checked.output, checked.output
    png = tmp_path / "badge.png"
    png.write_bytes(client.get(f"/credentials/{issued.id}.png").data)
    assert CliRunner().invoke(main, ["credentials", "verify", str(png)]).exit_code == 0
    tampered = json.loads((out / f"{issued.id}.json").read_text())
    tampered["name"] = "Something else"
    (out / "tampered.json").write_text(json.dumps(tampered))
    bad = CliRunner().invoke(main, ["credentials", "verify", "--json", str(out / "tampered.json")])
    assert bad.exit_code == 1 and json.loads(bad.output)["status"] == "tampered"


def test_the_worker_command_drains_the_outbox(
    client: FlaskClient, container: Container, district: District, cli_env: None
) -> None:
    from tests.web.test_flows import SINGLE, decide, review, submit_new

    submission_id = submit_new(client, container, district.teacher, SINGLE)
    review(client, container, district.assessor, submission_id, SINGLE, "award")
    decide(client, district.issuer, submission_id, "award")
    result = CliRunner().invoke(main, ["worker", "--drain"])
    assert result.exit_code == 0 and "Delivered 1" in result.output, result.output
    assert holdings(container, district.teacher) == [CredentialKind.CREDENTIAL]
    again = CliRunner().invoke(main, ["worker", "--drain"])
    assert "Delivered 0" in again.output


def test_the_commands_turn_refusals_into_messages(
    client: FlaskClient, container: Container, district: District, cli_env: None
) -> None:
    issued = award(client, container, district)
    unknown = CliRunner().invoke(
        main, ["credentials", "revoke", "no-such-id", "--reason", "x", "--as", district.issuer]
    )
    assert unknown.exit_code == 1 and "No credential with that id" in unknown.output
    assert unknown.exception is None or isinstance(unknown.exception, SystemExit)
    blank = CliRunner().invoke(
        main, ["credentials", "revoke", issued.id, "--reason", " ", "--as", district.issuer]
    )
    assert blank.exit_code == 1 and "Say why" in blank.output
    assert CliRunner().invoke(main, ["issuers", "rotate-keys", "nope"]).exit_code == 1
    listed = CliRunner().invoke(main, ["issuers", "list"])
    assert listed.exit_code == 0 and "keys: 2 current, 0 retired" in listed.output
