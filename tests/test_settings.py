"""Settings from the environment: safe defaults for a local run, refusals for unsafe production."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from lti_tool.settings import DEFAULT_MAX_UPLOAD_BYTES, SettingsError, load_settings

LONG_KEY = "k" * 48
PRODUCTION = {
    "CREDBRIDGE_ENV": "production",
    "SECRET_KEY": LONG_KEY,
    "CREDBRIDGE_BASE_URL": "https://credbridge.example.org",
    "DATABASE_URL": "postgresql+psycopg://credbridge@db.example:5432/credbridge",
}


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


def env_for(instance: Path, **values: str) -> dict[str, str]:
    return {"CREDBRIDGE_INSTANCE_PATH": str(instance), **values}


def test_defaults_for_a_local_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    settings = load_settings({})

    instance = tmp_path.resolve() / "instance"
    assert settings.environment == "development"
    assert not settings.is_production
    assert settings.instance_path == instance
    assert settings.database_url == f"sqlite:///{instance / 'credbridge.sqlite3'}"
    assert settings.storage_backend == "local"
    assert settings.storage_path == instance / "evidence"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert not settings.uses_https
    assert settings.demo_mode is False
    assert settings.s3_bucket is None
    assert settings.max_upload_bytes == DEFAULT_MAX_UPLOAD_BYTES
    assert settings.default_attempt_cap == 3
    assert settings.blind_review_default is True
    assert settings.double_review_default is False


def test_load_settings_reads_the_process_environment_when_given_none(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "CREDBRIDGE_ENV",
        "SECRET_KEY",
        "DATABASE_URL",
        "CREDBRIDGE_DEMO",
        "CREDBRIDGE_STORAGE",
        "S3_BUCKET",
        "CREDBRIDGE_ATTEMPT_CAP",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CREDBRIDGE_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("CREDBRIDGE_BASE_URL", "http://localhost:5000/")
    monkeypatch.setenv("CREDBRIDGE_ATTEMPT_CAP", "5")

    settings = load_settings()

    assert settings.instance_path == instance.resolve()
    assert settings.base_url == "http://localhost:5000"
    assert settings.default_attempt_cap == 5


def test_the_secret_key_is_generated_once_private_and_reused(instance: Path) -> None:
    first = load_settings(env_for(instance))

    key_file = instance / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text(encoding="utf-8") == first.secret_key
    assert len(first.secret_key) >= 32
    assert sorted(path.name for path in instance.iterdir()) == ["secret_key"]
    written = key_file.stat().st_mtime_ns

    second = load_settings(env_for(instance))

    assert second.secret_key == first.secret_key
    assert key_file.stat().st_mtime_ns == written
    assert first.secret_key not in repr(first)


def test_two_instances_get_different_generated_keys(tmp_path: Path) -> None:
    one = load_settings(env_for(tmp_path / "one"))
    two = load_settings(env_for(tmp_path / "two"))
    assert one.secret_key != two.secret_key


def test_a_configured_secret_key_wins_and_nothing_is_written(instance: Path) -> None:
    settings = load_settings(env_for(instance, SECRET_KEY="  short-is-fine-in-development  "))
    assert settings.secret_key == "short-is-fine-in-development"
    assert not (instance / "secret_key").exists()


@pytest.mark.parametrize("left_behind", ["", "\n", "truncated-key"])
def test_an_empty_or_truncated_secret_key_file_is_replaced(
    instance: Path, left_behind: str
) -> None:
    """A crash while writing the key must not leave the instance with an empty SECRET_KEY."""
    instance.mkdir(parents=True)
    (instance / "secret_key").write_text(left_behind, encoding="utf-8")

    settings = load_settings(env_for(instance))

    assert len(settings.secret_key) >= 32
    key_file = instance / "secret_key"
    assert key_file.read_text(encoding="utf-8").strip() == settings.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sorted(path.name for path in instance.iterdir()) == ["secret_key"]
    assert load_settings(env_for(instance)).secret_key == settings.secret_key


def test_a_correct_production_configuration_starts(instance: Path) -> None:
    settings = load_settings(env_for(instance, **PRODUCTION))
    assert settings.is_production
    assert settings.uses_https
    assert settings.secret_key == LONG_KEY
    assert settings.demo_mode is False
    assert not (instance / "secret_key").exists()


def test_production_refuses_to_fall_back_to_sqlite(instance: Path) -> None:
    env = env_for(instance, **PRODUCTION)
    del env["DATABASE_URL"]
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings(env)


def test_production_refuses_to_start_without_a_secret_key(instance: Path) -> None:
    env = env_for(instance, **PRODUCTION)
    del env["SECRET_KEY"]
    with pytest.raises(SettingsError, match="SECRET_KEY is not set"):
        load_settings(env)
    assert not (instance / "secret_key").exists()


def test_production_ignores_a_generated_development_key(instance: Path) -> None:
    load_settings(env_for(instance))
    assert (instance / "secret_key").exists()
    env = env_for(instance, **PRODUCTION)
    del env["SECRET_KEY"]
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings(env)


@pytest.mark.parametrize("key", ["x" * 31, "  " + "x" * 20 + "  "])
def test_production_refuses_a_short_secret_key(instance: Path, key: str) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY must be at least 32"):
        load_settings(env_for(instance, **{**PRODUCTION, "SECRET_KEY": key}))


def test_production_accepts_a_32_character_key(instance: Path) -> None:
    assert load_settings(env_for(instance, **{**PRODUCTION, "SECRET_KEY": "x" * 32})).secret_key


@pytest.mark.parametrize("flag", ["1", "true", "yes", "on", "TRUE"])
def test_production_refuses_demo_mode(instance: Path, flag: str) -> None:
    with pytest.raises(SettingsError, match="CREDBRIDGE_DEMO"):
        load_settings(env_for(instance, **PRODUCTION, CREDBRIDGE_DEMO=flag))


@pytest.mark.parametrize("flag", ["0", "false", "no", ""])
def test_demo_off_words_are_accepted_in_production(instance: Path, flag: str) -> None:
    assert load_settings(env_for(instance, **PRODUCTION, CREDBRIDGE_DEMO=flag)).demo_mode is False


@pytest.mark.parametrize(
    "base_url", ["http://credbridge.example.org", "", "credbridge.example.org", "ftp://x.example"]
)
def test_production_refuses_a_base_url_that_is_not_https(instance: Path, base_url: str) -> None:
    with pytest.raises(SettingsError, match="CREDBRIDGE_BASE_URL must be an https://"):
        load_settings(env_for(instance, **{**PRODUCTION, "CREDBRIDGE_BASE_URL": base_url}))


def test_demo_is_allowed_in_development(instance: Path) -> None:
    assert load_settings(env_for(instance, CREDBRIDGE_DEMO="1")).demo_mode is True


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CREDBRIDGE_ATTEMPT_CAP", "abc", "must be a whole number"),
        ("CREDBRIDGE_ATTEMPT_CAP", "0", "must be greater than zero"),
        ("CREDBRIDGE_ATTEMPT_CAP", "-2", "must be greater than zero"),
        ("CREDBRIDGE_ATTEMPT_CAP", "2.5", "must be a whole number"),
        ("CREDBRIDGE_MAX_UPLOAD_BYTES", "lots", "must be a whole number"),
        ("CREDBRIDGE_MAX_UPLOAD_BYTES", "0", "must be greater than zero"),
    ],
)
def test_bad_numbers_name_the_variable(instance: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        load_settings(env_for(instance, **{name: value}))
    assert name in str(raised.value)
    assert repr(value) in str(raised.value) or value in str(raised.value)


def test_good_numbers_are_read(instance: Path) -> None:
    settings = load_settings(
        env_for(instance, CREDBRIDGE_ATTEMPT_CAP=" 4 ", CREDBRIDGE_MAX_UPLOAD_BYTES="1024")
    )
    assert (settings.default_attempt_cap, settings.max_upload_bytes) == (4, 1024)


def test_s3_without_a_bucket_is_refused(instance: Path) -> None:
    with pytest.raises(SettingsError, match="S3_BUCKET"):
        load_settings(env_for(instance, CREDBRIDGE_STORAGE="s3"))


def test_a_bucket_alone_selects_s3(instance: Path) -> None:
    settings = load_settings(
        env_for(
            instance,
            S3_BUCKET="evidence-bucket",
            S3_ENDPOINT_URL="http://127.0.0.1:9000",
            S3_REGION="us-east-2",
        )
    )
    assert settings.storage_backend == "s3"
    assert settings.s3_bucket == "evidence-bucket"
    assert settings.s3_endpoint_url == "http://127.0.0.1:9000"
    assert settings.s3_region == "us-east-2"
    assert settings.s3_prefix == "evidence/"


def test_an_explicit_local_backend_wins_over_a_bucket(instance: Path) -> None:
    settings = load_settings(env_for(instance, CREDBRIDGE_STORAGE="local", S3_BUCKET="unused"))
    assert settings.storage_backend == "local"


def test_an_unknown_storage_backend_is_refused(instance: Path) -> None:
    with pytest.raises(SettingsError, match="CREDBRIDGE_STORAGE must be local or s3"):
        load_settings(env_for(instance, CREDBRIDGE_STORAGE="ftp"))


def test_an_unknown_environment_is_refused(instance: Path) -> None:
    with pytest.raises(SettingsError, match="CREDBRIDGE_ENV"):
        load_settings(env_for(instance, CREDBRIDGE_ENV="staging"))


def test_explicit_database_and_storage_paths_are_used(instance: Path, tmp_path: Path) -> None:
    settings = load_settings(
        env_for(
            instance,
            DATABASE_URL="postgresql+psycopg://db.example/credbridge",
            CREDBRIDGE_STORAGE_PATH=str(tmp_path / "files"),
        )
    )
    assert settings.database_url == "postgresql+psycopg://db.example/credbridge"
    assert settings.storage_path == (tmp_path / "files").resolve()


def test_proxies_are_believed_only_when_counted(instance: Path) -> None:
    assert load_settings(env_for(instance)).trusted_proxies == 0
    assert load_settings(env_for(instance, CREDBRIDGE_TRUSTED_PROXIES="2")).trusted_proxies == 2
    with pytest.raises(SettingsError, match="CREDBRIDGE_TRUSTED_PROXIES"):
        load_settings(env_for(instance, CREDBRIDGE_TRUSTED_PROXIES="yes"))


def test_the_registration_budget_can_be_set_or_turned_off(instance: Path) -> None:
    assert load_settings(env_for(instance)).register_rate_limit == "10 per minute; 50 per hour"
    off = load_settings(env_for(instance, CREDBRIDGE_REGISTER_RATE_LIMIT=""))
    assert off.register_rate_limit == ""
