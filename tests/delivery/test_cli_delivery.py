"""``credbridge connections`` and ``credbridge deliveries`` against a fake Ed-Fi API."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lti_tool.cli import main
from tests.delivery.conftest import District
from tests.fakes.edfi import FakeEdFi

SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("CREDBRIDGE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("CREDBRIDGE_ENCRYPTION_KEYS", raising=False)
    monkeypatch.delenv("CREDBRIDGE_ENV", raising=False)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_connect_test_backfill_drain_and_reconcile(env: None, district: District) -> None:
    first = district.award()
    with FakeEdFi() as edfi:
        missing = run("connections", "add", "webhook", "hook", "--url", "https://hr.example/in")
        assert missing.exit_code == 1 and "secret: is required" in missing.output
        added = run(
            "connections",
            "add",
            "edfi",
            "ods",
            "--base-url",
            edfi.base_url,
            "--client-id",
            "district",
            "--client-secret",
            "s3cret",
            "--namespace",
            "uri://maple.example/PD",
        )
        assert added.exit_code == 0, added.output
        assert "s3cret" not in added.output
        tested = run("connections", "test", "ods")
        assert tested.exit_code == 0 and "data model 6.0.0" in tested.output, tested.output
        backfill = run("deliveries", "backfill", "ods")
        assert "Queued 1 earlier award" in backfill.output
        assert "Queued 0" in run("deliveries", "backfill", "ods").output
        drained = run("worker", "--drain")
        assert drained.exit_code == 0 and "dead 0" in drained.output, drained.output
        assert len(edfi.attendances) == 1
        assert run("deliveries", "reconcile", "ods").output.strip().endswith("0 difference(s).")
        edfi.attendances.clear()
        differs = run("deliveries", "reconcile", "ods")
        assert differs.exit_code == 1 and f"award {first}: delivered, but missing" in differs.output
        listed = run("connections", "list").output
        assert "ods  edfi  deliveries: delivered 1" in listed

        edfi.client_secret = "changed"
        failed = run("connections", "test", "ods")
        assert failed.exit_code == 1 and "FAILED" in failed.output and "s3cret" not in failed.output


def test_secrets_survive_a_key_rotation(
    env: None, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeEdFi() as edfi:
        monkeypatch.setenv("CREDBRIDGE_ENCRYPTION_KEYS", "old-key-passphrase")
        added = run(
            "connections", "add", "edfi", "ods", "--base-url", edfi.base_url,
            "--client-id", "district", "--client-secret", "s3cret",
            "--namespace", "uri://maple.example/PD",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        monkeypatch.setenv("CREDBRIDGE_ENCRYPTION_KEYS", "new-key-passphrase,old-key-passphrase")
        resealed = run("connections", "reseal")
        assert "secrets of 1 target(s)" in resealed.output, resealed.output
        monkeypatch.setenv("CREDBRIDGE_ENCRYPTION_KEYS", "new-key-passphrase")
        tested = run("connections", "test", "ods")
        assert tested.exit_code == 0, tested.output
        monkeypatch.setenv("CREDBRIDGE_ENCRYPTION_KEYS", "old-key-passphrase")
        lost = run("connections", "test", "ods")
        assert lost.exit_code == 1 and "cannot be opened" in lost.output
        assert "CREDBRIDGE_ENCRYPTION_KEYS" in lost.output
