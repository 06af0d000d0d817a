"""Identity matching across systems (including an ambiguous case), the configurable employee id,
and ``credbridge roster import`` from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lti_tool.bootstrap import Container, build
from lti_tool.cli import main
from lti_tool.domain.roles import IdentityKind, OrganizationKind
from lti_tool.domain.roster.entities import Entity
from lti_tool.settings import load_settings
from tests.roster.conftest import ADMIN, package, run_import, stored


def test_rules_that_disagree_are_queued_for_an_admin_not_merged(
    container: Container, scope: str
) -> None:
    by_email = container.people.add_person("Omar (email)", email="omar.haddad@riverbend.example")
    by_employee_id = container.people.add_person(
        "Omar (HR)", identities=((IdentityKind.EMPLOYEE_ID, scope, "0012346"),)
    )

    report = run_import(container, package("v11_bulk"), scope)

    assert report.count("people").skipped == 1
    assert stored(container, Entity.USERS, scope)["t2"]["person_id"] is None
    [question] = [v.question for v in container.roster_answers.question_page(ADMIN).items]
    assert question.sourced_id == "t2"
    assert question.display_name == "Omar Haddad"
    assert {(c["person_id"], c["rule"]) for c in question.candidates} == {
        (by_email.id, "email"),
        (by_employee_id.id, "employee id"),
    }
    assert "disagree" in question.reason
    # Asking again (next import) refreshes the same question instead of adding another.
    run_import(container, package("v11_bulk"), scope)
    assert container.roster_answers.question_page(ADMIN).total == 1


def test_a_person_already_linked_to_another_roster_user_is_not_taken_over(
    container: Container, scope: str, tmp_path: Path
) -> None:
    run_import(container, package("v11_bulk"), scope)
    folder = tmp_path / "delta"
    folder.mkdir()
    (folder / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.users,delta\n"
    )
    header = (package("v11_bulk") / "users.csv").read_text().splitlines()[0]
    (folder / "users.csv").write_text(
        f"{header}\nt9,active,2026-09-03T08:00:00Z,true,s1,teacher,tj2,,Tamara,Jones,,,"
        "tamara.jones@riverbend.example,,,,,\n"
    )

    report = run_import(container, folder, scope)

    assert report.count("people").skipped == 1
    [question] = [v.question for v in container.roster_answers.question_page(ADMIN).items]
    assert "already roster user 't1'" in question.reason


def test_two_new_staff_sharing_an_email_in_one_import_are_not_merged(
    container: Container, scope: str, tmp_path: Path
) -> None:
    folder = tmp_path / "twins"
    folder.mkdir()
    (folder / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.users,bulk\n"
    )
    header = (package("v11_bulk") / "users.csv").read_text().splitlines()[0]
    twin = ",,,true,s1,teacher,{0},,Pat,Lee,,,pat.lee@riverbend.example,,,,,"
    (folder / "users.csv").write_text(
        f"{header}\np1{twin.format('plee')}\np2{twin.format('plee2')}\n"
    )

    report = run_import(container, folder, scope)

    assert (report.count("people").created, report.count("people").skipped) == (1, 1)
    [question] = [v.question for v in container.roster_answers.question_page(ADMIN).items]
    assert question.sourced_id == "p2"
    assert "'p1'" in question.reason


def test_employee_id_comes_from_the_configured_field(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "CREDBRIDGE_INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "CREDBRIDGE_ROSTER_EMPLOYEE_ID_FIELD": "userIds:PPID",
        }
    )
    container = build(settings)
    try:
        scope = container.people.add_organization("D", OrganizationKind.DISTRICT, slug="d").id
        run_import(container, package("v11_bulk"), scope)
        users = stored(container, Entity.USERS, scope)
        assert users["t2"]["employee_id"] == "7654321"
        assert users["t1"]["employee_id"] is None

        container.roster_answers.set_employee_id(ADMIN, scope, "t1", " 1234567 ")
        assert stored(container, Entity.USERS, scope)["t1"]["employee_id"] == "1234567"
    finally:
        container.lti.http.close()
        container.engine.dispose()


def test_cli_import_prints_json_and_creates_the_district(cli_env: str) -> None:
    result = CliRunner().invoke(
        main, ["roster", "import", str(package("v12_bulk")), "--org", "riverbend", "--json"]
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "completed"
    assert report["counts"]["enrollments"]["created"] == 6
    again = CliRunner().invoke(main, ["roster", "import", str(package("v12_bulk"))])
    assert again.exit_code == 0, again.output  # the only district is found without --org
    assert "users: 0 created, 0 updated, 7 unchanged" in again.stdout


def test_cli_prints_located_problems_and_exit_codes(cli_env: str, tmp_path: Path) -> None:
    dirty = CliRunner().invoke(
        main, ["roster", "import", str(package("dirty_v11")), "--org", "riverbend", "--dry-run"]
    )
    assert dirty.exit_code == 0, dirty.output
    assert "completed (dry run)" in dirty.stdout
    assert "error ORPHAN_REFERENCE enrollments.csv:4 [userSourcedId]" in dirty.stdout

    empty = tmp_path / "empty"
    empty.mkdir()
    failed = CliRunner().invoke(main, ["roster", "import", str(empty), "--org", "riverbend"])
    assert failed.exit_code == 1
    assert "MISSING_MANIFEST" in failed.stdout
    assert "Traceback" not in failed.output


def test_cli_stops_for_confirmation_with_exit_code_3(cli_env: str, tmp_path: Path) -> None:
    assert (
        CliRunner()
        .invoke(main, ["roster", "import", str(package("v11_bulk")), "--org", "riverbend"])
        .exit_code
        == 0
    )
    smaller = tmp_path / "smaller"
    smaller.mkdir()
    for path in package("v11_bulk").iterdir():
        text = path.read_text()
        if path.name in ("users.csv", "enrollments.csv"):
            lines = text.splitlines()
            text = (
                "\n".join(
                    [lines[0], *(x for x in lines[1:] if ",st" not in x and not x.startswith("st"))]
                )
                + "\n"
            )
        (smaller / path.name).write_text(text)

    held = CliRunner().invoke(main, ["roster", "import", str(smaller)])
    assert held.exit_code == 3, held.output
    assert "--confirm-deactivations" in held.stdout
    confirmed = CliRunner().invoke(
        main, ["roster", "import", str(smaller), "--confirm-deactivations", "--json"]
    )
    assert confirmed.exit_code == 0, confirmed.output
    assert json.loads(confirmed.stdout)["counts"]["users"]["deleted"] == 4


def test_cli_adds_a_provider_without_echoing_its_secret_and_syncs(cli_env: str) -> None:
    from tests.fakes.oneroster import FakeOneRoster
    from tests.roster.test_rest_sync import district

    with FakeOneRoster(district("1.1", students=2)) as provider:
        added = CliRunner().invoke(
            main,
            [
                "roster",
                "add-provider",
                "sis",
                "--org",
                "riverbend",
                "--version",
                "1.1",
                "--base-url",
                provider.base_url,
                "--client-id",
                provider.client_id,
            ],
            input=f"{provider.secret}\n",
        )
        assert added.exit_code == 0, added.output
        assert provider.secret not in added.output
        assert "syncs it every 1 hour and in full every 7 days" in added.output
        synced = CliRunner().invoke(main, ["roster", "sync", "sis", "--json"])
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout)["counts"]["users"]["created"] == 3
    unknown = CliRunner().invoke(main, ["roster", "sync", "nope"])
    assert unknown.exit_code == 1
    assert "No roster provider is named 'nope'" in unknown.output
