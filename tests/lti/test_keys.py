"""Tool keys over a real database: encrypted at rest, published before they sign, kept in the
JWKS after they retire, parsed once per process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwcrypto.jwk import JWK
from sqlalchemy import select

from lti_tool.bootstrap import Container, build
from lti_tool.cli_keys import keys as keys_group
from lti_tool.crypto import SecretBox
from lti_tool.db.migrate import upgrade
from lti_tool.db.models import ToolKeyRow
from lti_tool.domain.lti import ToolKey, ToolKeyState
from lti_tool.jwk import jwk_thumbprint
from lti_tool.lti.keys import ACTIVE_KEY_CACHE, ToolKeyService
from lti_tool.ports import AuditFilter
from lti_tool.settings import load_settings
from lti_tool.web.app import create_app
from tests.fakes.memory import FakeClock
from tests.web.conftest import make_settings

PUBLISH = timedelta(hours=1)
RETIRE = timedelta(days=7)
SECOND = timedelta(seconds=1)
CLAIMS = {"iss": "credbridge-client", "aud": "https://lms.example/token", "sub": "tool"}


class CountingBox(SecretBox):
    """Our own SecretBox, counting how often a private key is decrypted."""

    decrypted = 0

    def decrypt(self, token: str) -> str:
        self.decrypted += 1
        return super().decrypt(token)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def container(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Container]:
    built = build(make_settings(database_url, tmp_path / "instance"), clock=clock)
    yield built
    built.engine.dispose()


@pytest.fixture
def service(container: Container) -> ToolKeyService:
    return ToolKeyService(container.uow_factory, container.clock, container.secrets)


def another_worker(container: Container) -> tuple[ToolKeyService, CountingBox]:
    box = CountingBox.from_settings(container.settings)
    return ToolKeyService(container.uow_factory, container.clock, box, PUBLISH, RETIRE), box


def listing(service: ToolKeyService) -> list[ToolKey]:
    listed = service.keys()  # (a name, so ruff's SIM118 does not take it for dict.keys())
    return listed


def kids(key_set: dict[str, Any]) -> list[str]:
    return [jwk["kid"] for jwk in key_set["keys"]]


def verify(token: str, key_set: dict[str, Any]) -> dict[str, Any]:
    """Verify like a platform would: pick the JWKS entry named by the token's kid."""
    kid = jwt.get_unverified_header(token)["kid"]
    matching = [jwk for jwk in key_set["keys"] if jwk["kid"] == kid]
    if not matching:
        raise LookupError(f"kid {kid} is not in the key set")
    key = jwt.PyJWK(matching[0])
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["RS256"], audience=CLAIMS["aud"], options={"verify_exp": False}
    )
    return claims


def audit_actions(container: Container) -> list[tuple[str, str | None, str | None]]:
    with container.uow_factory() as uow:
        entries = uow.audit.page(AuditFilter(entity_type="tool_key"), 100, 0)
    return [(entry.action, entry.from_state, entry.to_state) for entry in reversed(entries)]


def test_the_first_key_is_active_at_once(service: ToolKeyService, clock: FakeClock) -> None:
    kid = service.ensure_signing_key()

    [key] = service.keys()
    assert key.kid == kid
    assert key.state is ToolKeyState.ACTIVE
    assert key.created_at == key.activated_at == clock.now()
    assert service.ensure_signing_key() == kid  # nothing new the second time
    assert service.signing_key()[0] == kid
    assert len(service.keys()) == 1


def test_signing_makes_the_first_key_when_there_is_none(
    service: ToolKeyService, container: Container
) -> None:
    token = service.sign_jwt(CLAIMS)

    assert verify(token, service.jwks())["sub"] == "tool"
    assert audit_actions(container) == [("create", None, "active")]


def test_the_jwks_is_valid_and_verifies_our_tokens(service: ToolKeyService) -> None:
    service.ensure_signing_key()
    service.rotate()

    key_set = service.jwks()

    assert len(key_set["keys"]) == 2
    for jwk in key_set["keys"]:
        assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"}  # nothing private ("d", ...)
        assert (jwk["kty"], jwk["alg"], jwk["use"], jwk["e"]) == ("RSA", "RS256", "sig", "AQAB")
        assert jwk["kid"] == JWK(**jwk).thumbprint() == jwk_thumbprint(jwk)  # RFC 7638
        assert jwt.PyJWK(jwk).key.key_size == 2048

    token = service.sign_jwt({**CLAIMS, "nonce": "n-1"}, headers={"typ": "JWT", "alg": "none"})
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"  # a caller cannot change the algorithm
    assert header["kid"] == service.signing_key()[0] == kids(key_set)[0]  # active key first
    assert verify(token, key_set)["nonce"] == "n-1"


def test_private_keys_are_encrypted_at_rest(service: ToolKeyService, container: Container) -> None:
    kid = service.ensure_signing_key()
    service.rotate()

    with container.engine.connect() as connection:
        stored = dict(
            connection.execute(select(ToolKeyRow.kid, ToolKeyRow.private_key_encrypted)).all()
        )
    assert len(stored) == 2
    for column in stored.values():
        assert "BEGIN" not in column
        assert "PRIVATE" not in column
    pem = SecretBox.from_settings(container.settings).decrypt(stored[kid])
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(private, RSAPrivateKey)
    public = private.public_key().public_numbers()
    [published] = [jwk for jwk in service.jwks()["keys"] if jwk["kid"] == kid]
    assert jwt.PyJWK(published).key.public_numbers() == public
    # Listings never carry the private half, even encrypted.
    for key in listing(service):
        assert key.private_key_encrypted == ""
        assert "BEGIN" not in repr(key)


def test_rotation_publishes_first_then_signs_then_retires(
    service: ToolKeyService, container: Container, clock: FakeClock
) -> None:
    old = service.ensure_signing_key()
    clock.advance(days=30)
    signed_before = service.sign_jwt({**CLAIMS, "jti": "before"})

    new = service.rotate(actor_id=None)

    assert new.state is ToolKeyState.NEXT
    assert service.starts_signing_at(new) == clock.now() + PUBLISH
    assert set(kids(service.jwks())) == {old, new.kid}  # published before it signs
    assert service.signing_key()[0] == old

    clock.advance(PUBLISH - SECOND)
    assert service.signing_key()[0] == old

    clock.advance(SECOND)
    assert service.signing_key()[0] == new.kid
    switched_at = clock.now()
    states = {key.kid: key for key in listing(service)}
    assert states[old].state is ToolKeyState.RETIRED
    assert states[old].retired_at == switched_at
    assert states[new.kid].state is ToolKeyState.ACTIVE
    assert states[new.kid].activated_at == switched_at
    signed_after = service.sign_jwt({**CLAIMS, "jti": "after"})
    assert jwt.get_unverified_header(signed_after)["kid"] == new.kid
    assert kids(service.jwks()) == [new.kid, old]
    assert verify(signed_before, service.jwks())["jti"] == "before"  # old tokens still verify

    clock.advance(RETIRE - SECOND)
    assert old in kids(service.jwks())
    assert verify(signed_before, service.jwks())["jti"] == "before"

    clock.advance(SECOND)
    assert kids(service.jwks()) == [new.kid]  # the window has passed
    with pytest.raises(LookupError):
        verify(signed_before, service.jwks())
    assert verify(signed_after, service.jwks())["jti"] == "after"

    assert audit_actions(container) == [
        ("create", None, "active"),
        ("rotate", None, "next"),
        ("retire", "active", "retired"),
        ("activate", "next", "active"),
    ]


def test_activate_due_promotes_only_keys_that_were_published_long_enough(
    service: ToolKeyService, clock: FakeClock
) -> None:
    old = service.ensure_signing_key()
    first = service.rotate()
    clock.advance(minutes=10)
    second = service.rotate()

    assert service.activate_due(clock.now()) is None
    assert service.activate_due(first.created_at + PUBLISH).kid == first.kid  # type: ignore[union-attr]
    assert service.signing_key()[0] == first.kid

    clock.advance(PUBLISH)
    assert service.signing_key()[0] == second.kid
    assert {key.kid: key.state for key in listing(service)} == {
        old: ToolKeyState.RETIRED,
        first.kid: ToolKeyState.RETIRED,
        second.kid: ToolKeyState.ACTIVE,
    }


def test_with_no_active_key_a_waiting_key_signs_at_once(service: ToolKeyService) -> None:
    waiting = service.rotate()  # `credbridge keys rotate` on a fresh install

    assert service.ensure_signing_key() == waiting.kid
    assert [key.state for key in listing(service)] == [ToolKeyState.ACTIVE]


def test_two_active_keys_settle_on_one_and_both_stay_published(
    service: ToolKeyService, container: Container, clock: FakeClock
) -> None:
    first = service.ensure_signing_key()
    clock.advance(SECOND)
    second = service.rotate()
    with container.uow_factory() as uow:  # what a second worker starting at once leaves behind
        [row] = [key for key in uow.tool_keys.all() if key.kid == second.kid]
        row.state, row.activated_at = ToolKeyState.ACTIVE, clock.now()
        uow.tool_keys.save(row)
        uow.commit()

    assert service.signing_key()[0] == second.kid
    assert [key.state for key in listing(service)] == [ToolKeyState.RETIRED, ToolKeyState.ACTIVE]
    assert set(kids(service.jwks())) == {first, second.kid}


def test_a_loaded_key_is_not_decrypted_or_parsed_again(
    service: ToolKeyService, container: Container, clock: FakeClock
) -> None:
    service.ensure_signing_key()
    worker, box = another_worker(container)

    kid, key = worker.signing_key()
    assert box.decrypted == 1
    for _ in range(5):
        again_kid, again = worker.signing_key()
        assert (again_kid, again) == (kid, key)
        assert again is key
        worker.sign_jwt(CLAIMS)
    assert box.decrypted == 1

    rotated = service.rotate()  # rotated elsewhere: this worker has not seen the new key
    clock.advance(PUBLISH)
    assert worker.signing_key()[0] == rotated.kid
    worker.sign_jwt(CLAIMS)
    assert box.decrypted == 2  # once per kid


def test_concurrent_first_signatures_load_the_key_once(
    service: ToolKeyService, container: Container
) -> None:
    service.ensure_signing_key()
    worker, box = another_worker(container)
    loaded: list[RSAPrivateKey] = []
    errors: list[BaseException] = []

    def sign() -> None:
        try:
            loaded.append(worker.signing_key()[1])
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=sign) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert box.decrypted == 1
    assert len({id(key) for key in loaded}) == 1


def test_the_jwks_endpoint(container: Container) -> None:
    client = create_app(container=container).test_client()

    response = client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    key_set = response.get_json()
    assert len(key_set["keys"]) == 1  # a fresh install publishes its first key, never nothing
    service = container.tool_keys  # the one the app serves from: its key cache is per process
    token = service.sign_jwt(CLAIMS)
    assert verify(token, key_set)["sub"] == "tool"

    rotated = service.rotate()
    again = client.get("/.well-known/jwks.json").get_json()
    assert set(kids(again)) == {kids(key_set)[0], rotated.kid}
    assert "PRIVATE" not in response.get_data(as_text=True)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    upgrade(url)
    for name in ("CREDBRIDGE_ENV", "CREDBRIDGE_ENCRYPTION_KEYS", "CREDBRIDGE_STORAGE", "S3_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CREDBRIDGE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SECRET_KEY", "cli-secret-key-that-is-long-enough-0123456789")
    return url


def test_cli_list_and_rotate(cli_env: str) -> None:
    runner = CliRunner()

    empty = runner.invoke(keys_group, ["list"])
    assert empty.exit_code == 0, empty.output
    assert "No keys yet" in empty.output

    first = runner.invoke(keys_group, ["rotate"])
    assert first.exit_code == 0, first.output
    assert "No key signs yet, so it starts signing the first time" in first.output
    waiting = runner.invoke(keys_group, ["rotate"])  # still nothing active: the first one wins
    assert waiting.exit_code == 0, waiting.output
    waiting_list = runner.invoke(keys_group, ["list"])
    assert waiting_list.exit_code == 0, waiting_list.output
    assert "signs from the tool's first signature" in waiting_list.output.splitlines()[1]

    container = build(load_settings())
    try:
        active = ToolKeyService(
            container.uow_factory, container.clock, container.secrets
        ).ensure_signing_key()
    finally:
        container.engine.dispose()
    assert active in first.output
    assert f"No key signs yet: {active} starts signing" in waiting.output

    second = runner.invoke(keys_group, ["rotate"])
    assert second.exit_code == 0, second.output
    assert "starts signing at" in second.output

    listed = runner.invoke(keys_group, ["list"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split() == ["kid", "state", "created", "activated", "retired"]
    assert len(lines) == 4
    assert active in lines[1] and " active " in lines[1]
    for line in lines[2:]:
        assert " next " in line and "(signs from 20" in line

    container = build(load_settings())
    try:
        with container.engine.connect() as connection:
            encrypted = list(connection.scalars(select(ToolKeyRow.private_key_encrypted)))
    finally:
        container.engine.dispose()
    outputs = (empty, first, waiting, waiting_list, second, listed)
    for output in (result.output for result in outputs):
        assert "PRIVATE" not in output
        assert "BEGIN" not in output
        assert not any(token in output for token in encrypted)


def test_a_rotation_elsewhere_reaches_a_signing_worker_within_the_cache_window(
    container: Container, clock: FakeClock
) -> None:
    """Which key is ACTIVE is cached per process (reading it cost as much as the signature):
    a key another process promotes signs here within ACTIVE_KEY_CACHE, and the key it
    replaces stays in the JWKS so what this worker signed meanwhile still verifies."""
    worker, _ = another_worker(container)
    admin = ToolKeyService(container.uow_factory, clock, container.secrets, SECOND, RETIRE)
    first = jwt.get_unverified_header(worker.sign_jwt(CLAIMS))["kid"]
    rotated = admin.rotate()
    clock.advance(2 * SECOND)
    assert admin.activate_due(clock.now()) is not None
    still = jwt.get_unverified_header(worker.sign_jwt(CLAIMS))["kid"]
    assert still == first  # cached, and still published:
    assert first in {key["kid"] for key in admin.jwks()["keys"]}
    clock.advance(ACTIVE_KEY_CACHE)
    assert jwt.get_unverified_header(worker.sign_jwt(CLAIMS))["kid"] == rotated.kid


def test_a_rotation_in_this_process_signs_at_once_when_due(container: Container) -> None:
    service = ToolKeyService(
        container.uow_factory, container.clock, container.secrets, timedelta(0), RETIRE
    )
    first = jwt.get_unverified_header(service.sign_jwt(CLAIMS))["kid"]
    rotated = service.rotate()
    assert rotated.kid != first
    assert jwt.get_unverified_header(service.sign_jwt(CLAIMS))["kid"] == rotated.kid
