"""``credbridge platform``, run in-process against a temporary migrated SQLite database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lti_tool.bootstrap import Container, build
from lti_tool.cli_platforms import platform
from lti_tool.db.migrate import upgrade
from lti_tool.domain.lti import DeploymentStatus
from lti_tool.ports import AuditFilter
from lti_tool.settings import load_settings

CANVAS = "https://canvas.instructure.com"
ADD = (
    "add",
    "--issuer", CANVAS,
    "--client-id", "10000000000001",
    "--deployment-id", "1:abc",
    "--auth-login-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "--token-url", "https://sso.canvaslms.com/login/oauth2/token",
    "--keyset-url", "https://sso.canvaslms.com/api/lti/security/jwks",
)  # fmt: skip
RSA_KEY = {"kty": "RSA", "kid": "moodle-1", "n": "sXchR0w", "e": "AQAB"}
OTHER_SETTINGS = ("CREDBRIDGE_ENV", "SECRET_KEY", "CREDBRIDGE_DEMO", "CREDBRIDGE_BASE_URL")


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in OTHER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'platforms.sqlite3'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CREDBRIDGE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("CREDBRIDGE_BASE_URL", "https://credbridge.example.org")
    return url


@pytest.fixture
def container() -> Iterator[Container]:
    built = build(load_settings())
    yield built
    built.engine.dispose()


def run(*args: str) -> Result:
    return CliRunner().invoke(platform, list(args))


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def refused(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), result.exception
    return result


def listed() -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(ok("list", "--json").output)
    return data


def test_add_with_the_issue_options_then_list(container: Container) -> None:
    result = ok(*ADD, "--name", "Riverside Canvas")

    assert "Registered Riverside Canvas (id " in result.output
    assert "Approved deployments: 1:abc." in result.output
    assert "New deployment ids wait for an admin" in result.output
    assert "OIDC login URL   https://credbridge.example.org/lti/login" in result.output
    assert "public key set   https://credbridge.example.org/.well-known/jwks.json" in result.output
    text = ok("list").output
    assert "Riverside Canvas  (id " in text
    assert f"issuer           {CANVAS}" in text
    assert "new deployments  held for an admin" in text
    assert "deployment       1:abc  approved" in text
    [registration] = container.platforms.registrations()
    assert registration.registration.client_id == "10000000000001"


def test_list_as_json_holds_every_field_and_deployment() -> None:
    ok(*ADD, "--deployment-id", "2:def", "--audience", "https://api.brightspace.com/auth/token",
       "--auto-approve-deployments")  # fmt: skip

    [entry] = listed()

    assert entry["name"] == "canvas.instructure.com (10000000000001)"
    assert entry["auth_token_url"] == "https://sso.canvaslms.com/login/oauth2/token"
    assert entry["auth_audience"] == "https://api.brightspace.com/auth/token"
    assert entry["auto_approve_deployments"] is True
    assert entry["key_set"] is None
    deployments = entry["deployments"]
    assert isinstance(deployments, list)
    assert [(d["deployment_id"], d["status"]) for d in deployments] == [
        ("1:abc", "approved"),
        ("2:def", "approved"),
    ]


def test_two_canvas_institutions_under_one_issuer() -> None:
    ok(*ADD, "--name", "Riverside")
    second = list(ADD)
    second[second.index("10000000000001")] = "10000000000002"
    ok(*second, "--name", "Lakeside")

    assert [(e["name"], e["client_id"]) for e in listed()] == [
        ("Lakeside", "10000000000002"),
        ("Riverside", "10000000000001"),
    ]


def test_a_pasted_key_set_file_instead_of_a_url(tmp_path: Path) -> None:
    jwks, single = tmp_path / "jwks.json", tmp_path / "key.json"
    jwks.write_text(json.dumps({"keys": [RSA_KEY]}), encoding="utf-8")
    single.write_text(json.dumps(RSA_KEY), encoding="utf-8")
    without_url = ADD[: ADD.index("--keyset-url")]

    ok(*without_url, "--keyset-file", str(jwks))
    ok(*[part.replace("10000000000001", "2") for part in without_url], "--keyset-file", str(single))

    assert [(e["key_set_url"], e["key_set"]) for e in listed()] == [
        (None, {"keys": [RSA_KEY]}),
        (None, {"keys": [RSA_KEY]}),
    ]
    assert "key set          pasted key set (1 key)" in ok("list").output


def test_a_registered_issuer_and_client_id_is_refused_without_a_traceback() -> None:
    ok(*ADD)

    result = refused(*ADD)

    assert "is already registered as 'canvas.instructure.com (10000000000001)'" in result.output
    assert len(listed()) == 1


@pytest.mark.parametrize(
    ("changes", "extra", "expected"),
    [
        ({"--token-url": "http://sso.example/token"}, (), "  --token-url: must use https"),
        ({"--issuer": "canvas"}, (), "  --issuer: 'canvas' is not an absolute URL"),
        ({"--keyset-url": ""}, (), "  --keyset-url: give the platform's key set URL"),
        ({"--deployment-id": " "}, (), "  --deployment-id: is required"),
        ({}, ("--keyset-file", "JWKS"), "  --keyset-file: give either a key set URL or a"),
    ],
)
def test_invalid_options_name_the_option(
    tmp_path: Path, changes: dict[str, str], extra: tuple[str, ...], expected: str
) -> None:
    args = list(ADD)
    for option, value in changes.items():
        args[args.index(option) + 1] = value
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [RSA_KEY]}), encoding="utf-8")

    result = refused(*args, *[str(jwks) if part == "JWKS" else part for part in extra])

    assert "Error: The platform registration is not valid:" in result.output
    assert expected in result.output
    assert listed() == []


def test_a_key_set_file_that_is_not_a_key_set_is_refused(tmp_path: Path) -> None:
    broken, private = tmp_path / "broken.json", tmp_path / "private.json"
    broken.write_text("{not json", encoding="utf-8")
    private.write_text(json.dumps({"keys": [{**RSA_KEY, "d": "secret"}]}), encoding="utf-8")
    without_url = ADD[: ADD.index("--keyset-url")]

    assert (
        "broken.json: cannot be read as JSON"
        in refused(*without_url, "--keyset-file", str(broken)).output
    )
    assert (
        "--keyset-file: key 1: holds a private key"
        in refused(*without_url, "--keyset-file", str(private)).output
    )


def test_approve_and_reject_a_pending_deployment(container: Container) -> None:
    ok(*ADD)
    service = container.platforms
    registration = service.find(CANVAS, "10000000000001")
    assert registration is not None
    assert service.deployment_seen(registration.id, "9:new").status is DeploymentStatus.PENDING

    approved = ok("approve", registration.id, "9:new")
    assert approved.output.strip() == (
        "Deployment 9:new of canvas.instructure.com (10000000000001) is approved."
    )
    assert service.deployment_seen(registration.id, "9:new").status is DeploymentStatus.APPROVED

    ok("reject", registration.id, "9:new")
    assert service.deployment_seen(registration.id, "9:new").status is DeploymentStatus.REJECTED
    assert "deployment       9:new  rejected" in ok("list").output
    with container.uow_factory() as uow:
        entries = uow.audit.page(AuditFilter(entity_type="platform"), 10, 0)
    assert [(e.action, e.actor_id, e.from_state, e.to_state) for e in entries[:2]] == [
        ("reject_deployment", None, "approved", "rejected"),
        ("approve_deployment", None, "pending", "approved"),
    ]


def test_approving_for_an_unknown_registration_says_where_to_look() -> None:
    result = refused("approve", "no-such-id", "1")

    assert "That platform registration does not exist." in result.output
    assert "See 'credbridge platform list'" in result.output


def test_an_empty_list_says_how_to_add() -> None:
    assert "No platforms yet" in ok("list").output
    assert listed() == []


def test_bad_settings_are_reported_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDBRIDGE_ENV", "staging")

    assert "CREDBRIDGE_ENV must be development or production" in refused("list").output


def test_an_unmigrated_database_is_reported_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")

    result = refused("list")

    assert "credbridge db upgrade" in result.output
