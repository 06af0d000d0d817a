"""The ``credbridge`` command, run in-process against a temporary SQLite database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect

from lti_tool.bootstrap import build
from lti_tool.cli import main
from lti_tool.db.engine import make_engine
from lti_tool.db.models import Base
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
DEMO_CATALOG = REPO / "config" / "catalog" / "demo.yaml"
OTHER_SETTINGS = (
    "CREDBRIDGE_ENV",
    "SECRET_KEY",
    "CREDBRIDGE_DEMO",
    "CREDBRIDGE_BASE_URL",
    "CREDBRIDGE_STORAGE",
    "CREDBRIDGE_STORAGE_PATH",
    "S3_BUCKET",
    "CREDBRIDGE_ATTEMPT_CAP",
    "CREDBRIDGE_MAX_UPLOAD_BYTES",
    "CREDBRIDGE_BLIND_REVIEW",
    "CREDBRIDGE_DOUBLE_REVIEW",
)

BROKEN_CATALOG = """\
stacks:
  - slug: broken-stack
    title: Broken
    credentials:
      - slug: broken-credential
        titel: A misspelt title
        competency: Something
        key_method: Something else
        sections:
          - key: only
            title: Only section
            evidence:
              - key: words
                kind: reflection
                label: Words
            rubric:
              levels:
                - {key: low, label: Low}
                - {key: high, label: High}
              required_level: excellent
"""


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in OTHER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CREDBRIDGE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.chdir(REPO)  # the demo's default catalog is a path relative to the checkout
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def migrated(database_file: Path) -> Path:
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    return database_file


def stacks_in(database_file: Path) -> list[str]:
    container = build(load_settings())
    try:
        return [view.stack.slug for view in container.catalog.browse()]
    finally:
        container.engine.dispose()


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), result.exception


def test_db_upgrade_creates_every_table(database_file: Path) -> None:
    result = run("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert "Database is at head." in result.output
    engine = make_engine(f"sqlite:///{database_file}")
    try:
        assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
    finally:
        engine.dispose()
    assert run("db", "upgrade").exit_code == 0  # again: nothing to do, no error


def test_db_downgrade_to_base_and_back(migrated: Path) -> None:
    result = run("db", "downgrade", "base")
    assert result.exit_code == 0, result.output
    assert "Database is at base." in result.output
    engine = make_engine(f"sqlite:///{migrated}")
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert run("db", "upgrade").exit_code == 0
        assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
    finally:
        engine.dispose()


def test_catalog_import_twice_changes_nothing_the_second_time(migrated: Path) -> None:
    first = run("catalog", "import", str(DEMO_CATALOG))
    second = run("catalog", "import", str(DEMO_CATALOG))

    assert first.exit_code == 0, first.output
    assert first.output.strip() == (
        f"{DEMO_CATALOG}: stacks: 2 created, 0 updated; "
        "credentials: 6 created, 0 new versions, 0 unchanged"
    )
    assert second.exit_code == 0, second.output
    assert "0 created" in second.output
    assert "6 unchanged" in second.output
    assert second.output.strip() == (
        f"{DEMO_CATALOG}: stacks: 0 created, 0 updated; "
        "credentials: 0 created, 0 new versions, 6 unchanged"
    )
    assert sorted(stacks_in(migrated)) == ["classroom-discourse", "formative-assessment"]


def test_catalog_import_can_report_json(migrated: Path) -> None:
    result = run("catalog", "import", "--json", str(DEMO_CATALOG))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(report["credentials_created"]) == 6
    assert report["credentials_unchanged"] == []


def test_a_broken_catalog_is_refused_with_located_problems(migrated: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN_CATALOG, encoding="utf-8")

    result = run("catalog", "import", str(broken))

    assert result.exit_code != 0
    assert_no_traceback(result)
    where = "stacks[0].credentials[0]"
    assert "The catalog has 3 problems" in result.output
    assert re.search(
        rf"{re.escape(where)}\.sections\[0\]\.rubric\.required_level: 'excellent' is not one of "
        r"the section's levels \(low, high\)",
        result.output,
    ), result.output
    assert f"{where}.titel: is not a field of a credential (did you mean 'title'?)" in result.output
    assert f"{where}.title: is required" in result.output
    assert str(broken) in result.output
    assert stacks_in(migrated) == []


@pytest.mark.parametrize(
    "content",
    [b"stacks: [\n  - slug: x\n    title: [unclosed\n", b"\xff\xfe\x00\x00not text", b"a: b: c\n"],
    ids=["bad-yaml", "not-utf8", "nested-mapping"],
)
def test_an_unreadable_catalog_file_gives_a_clear_message(
    migrated: Path, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "unreadable.yaml"
    path.write_bytes(content)

    result = run("catalog", "import", str(path))

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert f"Error: {path}: cannot be read as YAML or JSON" in result.output
    assert stacks_in(migrated) == []


def test_a_catalog_that_is_not_a_mapping_is_refused(migrated: Path, tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    result = run("catalog", "import", str(path))
    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "must be a mapping with a 'stacks' list" in result.output


def test_a_missing_catalog_file_is_a_usage_error(migrated: Path, tmp_path: Path) -> None:
    result = run("catalog", "import", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_demo_loads_every_state_once(migrated: Path) -> None:
    result = run("demo")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"Loaded the demo district: \d+ people\.", lines[0]), lines[0]
    reached = {line.rsplit(": ", 1)[1] for line in lines[1:-2]}
    assert reached == {state.value for state in SubmissionState}
    assert all(line.startswith("  ") for line in lines[1:-2])
    assert lines[-2] == "Open Badges issued for the demo's awards: 1"
    assert lines[-1].startswith("The demo LMS is ready: open http://127.0.0.1:8000/demo-lms/")
    listed = run("platform", "list")
    assert "Demo LMS" in listed.output and "http://127.0.0.1:8000/demo-lms" in listed.output

    again = run("demo")

    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0] == "The demo district is already loaded: nothing to do."
    assert run("platform", "list").output == listed.output  # registered once


def test_demo_outside_the_checkout_finds_the_checkout_catalog(
    migrated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Loaded the demo district")


def test_demo_without_any_catalog_explains_what_is_missing(
    migrated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As after a plain wheel install: no config/ folder anywhere near the package.
    import lti_tool.demo

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(lti_tool.demo, "DEMO_CATALOG_NAME", Path("config/catalog/absent.yaml"))
    result = run("demo")
    assert_no_traceback(result)
    assert result.exit_code != 0
    assert "absent.yaml" in result.output and "--catalog" in result.output


def test_demo_with_an_explicit_catalog_works_from_anywhere(
    migrated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("demo", "--catalog", str(DEMO_CATALOG))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Loaded the demo district")


def test_demo_is_refused_in_production(migrated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDBRIDGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    monkeypatch.setenv("CREDBRIDGE_BASE_URL", "https://credbridge.example.org")

    result = run("demo")

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "not loaded in production" in result.output
    monkeypatch.delenv("CREDBRIDGE_ENV")
    assert stacks_in(migrated) == []


def test_a_bad_environment_is_reported_without_a_traceback(
    database_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDBRIDGE_ATTEMPT_CAP", "abc")
    result = run("db", "upgrade")
    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "CREDBRIDGE_ATTEMPT_CAP must be a whole number" in result.output


def test_serve_help(database_file: Path) -> None:
    result = run("serve", "--help")
    assert result.exit_code == 0, result.output
    assert "--host" in result.output
    assert "--port" in result.output
    assert not database_file.exists()  # --help starts nothing


def test_top_level_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("db", "catalog", "demo", "serve"):
        assert re.search(rf"^\s+{command}\s", result.output, re.MULTILINE), command


def test_an_unreachable_database_is_a_message(
    database_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    for args in (("db", "upgrade"), ("catalog", "import", str(DEMO_CATALOG)), ("keys", "list")):
        result = run(*args)
        assert_no_traceback(result)
        assert result.exit_code == 1, args
        assert "The database refused the command" in result.output, (args, result.output)


def test_an_unmigrated_database_says_to_migrate(database_file: Path) -> None:
    result = run("catalog", "import", str(DEMO_CATALOG))
    assert_no_traceback(result)
    assert "credbridge db upgrade" in result.output
