"""Platform registrations and deployments over the in-memory fakes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from lti_tool.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from lti_tool.domain.lti import DeploymentStatus, PlatformRegistration
from lti_tool.domain.model import AuditEntry
from lti_tool.ports import AuditFilter, PendingLogin
from lti_tool.services.platforms import OPERATOR, PlatformService
from tests.fakes.builders import World, build_world

CANVAS = "https://canvas.instructure.com"
MOODLE = "https://moodle.district.example"
D = DeploymentStatus
RSA_KEY = {"kty": "RSA", "kid": "platform-1", "n": "sXchR0w", "e": "AQAB", "alg": "RS256"}


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def service(world: World) -> PlatformService:
    return PlatformService(world.services.uow_factory, world.services.clock)


def canvas_fields(client_id: str = "10000000000001", **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "Riverside Canvas",
        "issuer": CANVAS,
        "client_id": client_id,
        "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
        "key_set_url": "https://sso.canvaslms.com/api/lti/security/jwks",
    }
    fields.update(changes)
    return fields


def register(service: PlatformService, **changes: Any) -> PlatformRegistration:
    return service.register(**canvas_fields(**changes))


def audit(world: World) -> list[AuditEntry]:
    """Platform audit entries, oldest first."""
    with world.services.uow_factory() as uow:
        entries = uow.audit.page(AuditFilter(entity_type="platform"), 500, 0)
    return list(reversed(entries))


def problems_of(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return error.value.problems


def stored_registrations(world: World) -> list[PlatformRegistration]:
    with world.services.uow_factory() as uow:
        return uow.platforms.all()


# -- registering ------------------------------------------------------------------------------


def test_register_stores_the_platform_and_approves_the_listed_deployments(
    world: World, service: PlatformService
) -> None:
    registration = register(
        service,
        issuer=f"  {CANVAS} ",
        deployment_ids=["1:abc", " 2:def ", "1:abc"],
        actor_id=world.admin.person_id,
    )

    assert registration.issuer == CANVAS
    assert service.get(registration.id) == registration
    assert registration.auto_approve_deployments is False
    assert registration.created_at == world.services.clock.now()
    [summary] = service.registrations()
    assert [(d.deployment_id, d.status) for d in summary.deployments] == [
        ("1:abc", D.APPROVED),
        ("2:def", D.APPROVED),
    ]
    assert {d.decided_by for d in summary.deployments} == {world.admin.person_id}
    entries = audit(world)
    assert [(e.action, e.to_state, e.note) for e in entries] == [
        ("register", None, f"Riverside Canvas: {CANVAS}, client_id 10000000000001"),
        ("approve_deployment", "approved", "deployment 1:abc"),
        ("approve_deployment", "approved", "deployment 2:def"),
    ]
    assert {(e.entity_id, e.actor_id) for e in entries} == {
        (registration.id, world.admin.person_id)
    }


def test_a_blank_name_becomes_the_issuer_host_and_client_id(service: PlatformService) -> None:
    assert register(service, name=" ").name == "canvas.instructure.com (10000000000001)"


def test_two_canvas_institutions_share_one_issuer(service: PlatformService) -> None:
    riverside = register(service, client_id="10000000000001", name="Riverside")
    lakeside = register(service, client_id="10000000000002", name="Lakeside")

    assert [r.id for r in service.for_issuer(CANVAS)] == [riverside.id, lakeside.id]
    assert service.find(CANVAS, "10000000000002") == lakeside
    assert service.find(CANVAS, "10000000000003") is None
    assert [s.registration.name for s in service.registrations()] == ["Lakeside", "Riverside"]


def test_the_same_issuer_and_client_id_twice_is_refused_clearly(
    world: World, service: PlatformService
) -> None:
    first = register(service)

    with pytest.raises(ValidationError) as error:
        register(service, name="Again")

    assert "already registered as 'Riverside Canvas'" in error.value.message
    assert first.id in error.value.message
    assert problems_of(error)[0].startswith("client_id: ")
    assert [r.id for r in stored_registrations(world)] == [first.id]


def test_a_registration_racing_a_twin_gets_the_duplicate_message(
    world: World, service: PlatformService
) -> None:
    twin: list[PlatformRegistration] = []
    world.services.database.before_next_commit(
        lambda: twin.append(register(service, name="The twin"))
    )

    with pytest.raises(ValidationError) as error:
        register(service)

    assert "already registered as 'The twin'" in error.value.message
    assert [r.id for r in stored_registrations(world)] == [twin[0].id]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"issuer": "http://canvas.instructure.com"}, "issuer: must use https"),
        ({"issuer": "canvas.instructure.com"}, "issuer: 'canvas.instructure.com' is not an abs"),
        ({"issuer": "https://lms.example/?x=1"}, "issuer: must not have a query or fragment"),
        ({"issuer": ""}, "issuer: is required"),
        ({"client_id": "  "}, "client_id: is required"),
        ({"client_id": "x" * 256}, "client_id: is longer than 255 characters"),
        ({"auth_login_url": "ftp://sso.example/auth"}, "auth_login_url: 'ftp://sso.example"),
        ({"auth_token_url": "https://[broken/token"}, "auth_token_url: 'https://[broken/"),
        ({"auth_token_url": "http://10.0.0.5/token"}, "auth_token_url: must use https"),
        ({"key_set_url": "https://"}, "key_set_url: 'https://' is not an absolute URL"),
        ({"key_set_url": None}, "key_set_url: give the platform's key set URL"),
        ({"key_set": {"keys": [RSA_KEY]}}, "key_set: give either a key set URL or a pasted"),
        ({"deployment_ids": ["ok", "  "]}, "deployment_id: is required"),
        ({"name": "n" * 256}, "name: is longer than 255 characters"),
        ({"auth_audience": "a" * 2001}, "auth_audience: is longer than 2000 characters"),
    ],
)
def test_invalid_fields_are_refused_with_located_problems(
    world: World, service: PlatformService, changes: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ValidationError) as error:
        register(service, **changes)

    assert error.value.message == "The platform registration is not valid"
    assert any(problem.startswith(expected) for problem in problems_of(error)), problems_of(error)
    assert stored_registrations(world) == []


def test_every_problem_is_reported_at_once(service: PlatformService) -> None:
    with pytest.raises(ValidationError) as error:
        service.register("", "http://lms.example", "", "", "", key_set_url="nope")

    assert [problem.split(":")[0] for problem in problems_of(error)] == [
        "issuer",
        "client_id",
        "auth_login_url",
        "auth_token_url",
        "key_set_url",
    ]


def test_http_is_allowed_for_the_local_hosts_only(world: World) -> None:
    local = PlatformService(world.services.uow_factory, world.services.clock)
    registration = local.register(
        "Fake LMS",
        "http://127.0.0.1:8765",
        "tool",
        "http://127.0.0.1:8765/auth",
        "http://localhost:8765/token",
        key_set_url="http://127.0.0.1:8765/jwks",
    )
    assert registration.issuer == "http://127.0.0.1:8765"

    strict = PlatformService(world.services.uow_factory, world.services.clock, allow_http_hosts=())
    with pytest.raises(ValidationError) as error:
        strict.register("Fake LMS", "http://127.0.0.1:9", "tool", "https://a.example/a",
                        "https://a.example/t", key_set_url="https://a.example/k")  # fmt: skip
    assert problems_of(error) == ["issuer: must use https (plain http is allowed only for no host)"]


# -- pasted key sets --------------------------------------------------------------------------


def test_a_pasted_key_set_is_stored_instead_of_a_url(service: PlatformService) -> None:
    as_dict = register(service, key_set_url=None, key_set={"keys": [RSA_KEY]})
    as_text = register(
        service, client_id="2", key_set_url=" ", key_set=json.dumps({"keys": [RSA_KEY]})
    )
    one_key = register(service, client_id="3", key_set_url=None, key_set=json.dumps(RSA_KEY))

    for registration in (as_dict, as_text, one_key):
        assert registration.key_set_url is None
        assert registration.key_set == {"keys": [RSA_KEY]}
        assert service.get(registration.id).key_set == {"keys": [RSA_KEY]}


@pytest.mark.parametrize(
    ("key_set", "expected"),
    [
        ("{not json", "key_set: is not valid JSON (Expecting property name"),
        ("[1, 2]", 'key_set: must be a JWKS: a JSON object with a "keys" list'),
        ({"keys": []}, 'key_set: must be a JWKS with a non-empty "keys" list'),
        ({"keys": ["x"]}, "key_set: key 1: is not a JSON object"),
        ({"keys": [{**RSA_KEY, "kid": ""}]}, 'key_set: key 1: has no "kid"'),
        ({"keys": [RSA_KEY, RSA_KEY]}, "key_set: key 2: repeats kid 'platform-1'"),
        ({"keys": [{**RSA_KEY, "kty": "EC"}]}, 'key_set: key 1: must be an RSA key ("kty": "RSA")'),
        ({"keys": [{**RSA_KEY, "n": ""}]}, 'key_set: key 1: needs the RSA public numbers "n"'),
        ({"keys": [{**RSA_KEY, "d": "secret"}]}, "key_set: key 1: holds a private key"),
    ],
)
def test_a_pasted_key_set_must_hold_rsa_public_keys_with_kids(
    service: PlatformService, key_set: Any, expected: str
) -> None:
    with pytest.raises(ValidationError) as error:
        register(service, key_set_url=None, key_set=key_set)

    assert [p for p in problems_of(error) if p.startswith(expected)], problems_of(error)
    assert not [p for p in problems_of(error) if p.startswith("key_set_url")]


# -- updating ---------------------------------------------------------------------------------


def test_update_replaces_the_settings_and_audits_what_changed(
    world: World, service: PlatformService
) -> None:
    registration = register(service, deployment_ids=["1:abc"])

    updated = service.update(
        registration.id,
        **canvas_fields(auth_audience="https://api.brightspace.com/auth/token", name="Renamed"),
        actor_id=world.admin.person_id,
    )

    assert updated.name == "Renamed"
    assert updated.auth_audience == "https://api.brightspace.com/auth/token"
    assert service.get(registration.id) == updated
    assert [d.status for d in service.registrations()[0].deployments] == [D.APPROVED]
    last = audit(world)[-1]
    assert (last.action, last.note, last.actor_id) == (
        "update",
        "changed auth_audience, name",
        world.admin.person_id,
    )


def test_update_cannot_take_another_registrations_client_id(
    world: World, service: PlatformService
) -> None:
    register(service, client_id="1")
    second = register(service, client_id="2")

    with pytest.raises(ValidationError) as error:
        service.update(second.id, **canvas_fields(client_id="1"))

    assert "already registered" in error.value.message
    assert service.get(second.id).client_id == "2"


def test_update_of_an_unknown_registration_is_not_found(service: PlatformService) -> None:
    with pytest.raises(NotFoundError):
        service.update("no-such-id", **canvas_fields())


# -- deployments ------------------------------------------------------------------------------


def test_an_unknown_deployment_is_recorded_as_pending_then_approved(
    world: World, service: PlatformService
) -> None:
    registration = register(service)
    world.services.clock.advance(minutes=5)
    seen_at = world.services.clock.now()

    first = service.deployment_seen(registration.id, "7:new-course")
    again = service.deployment_seen(registration.id, "7:new-course")

    assert first.status is D.PENDING
    assert first.first_seen_at == seen_at
    assert again == first
    waiting = service.pending()
    assert waiting.total == 1
    assert waiting.items[0].registration.id == registration.id
    assert waiting.items[0].deployment.deployment_id == "7:new-course"

    world.services.clock.advance(minutes=5)
    approved = service.decide(world.admin, registration.id, "7:new-course", approve=True)

    assert approved.status is D.APPROVED
    assert (approved.decided_at, approved.decided_by) == (
        world.services.clock.now(),
        world.admin.person_id,
    )
    assert approved.first_seen_at == seen_at
    assert service.deployment_seen(registration.id, "7:new-course").status is D.APPROVED
    assert service.pending().total == 0
    entries = [(e.action, e.actor_id, e.from_state, e.to_state, e.note) for e in audit(world)]
    assert entries[1:] == [
        ("deployment_seen", None, None, "pending", "deployment 7:new-course first launched"),
        (
            "approve_deployment",
            world.admin.person_id,
            "pending",
            "approved",
            "deployment 7:new-course",
        ),
    ]


def test_auto_approve_lets_new_deployments_in_and_leaves_pending_ones_alone(
    world: World, service: PlatformService
) -> None:
    registration = register(service)
    service.deployment_seen(registration.id, "waiting")

    updated = service.set_auto_approve(world.admin, registration.id, on=True)
    fresh = service.deployment_seen(registration.id, "fresh")

    assert updated.auto_approve_deployments is True
    assert service.get(registration.id).auto_approve_deployments is True
    assert fresh.status is D.APPROVED
    assert fresh.decided_at == world.services.clock.now()
    assert fresh.decided_by is None
    assert service.deployment_seen(registration.id, "waiting").status is D.PENDING
    actions = [(e.action, e.from_state, e.to_state) for e in audit(world)]
    assert actions[-2:] == [
        ("set_auto_approve", "off", "on"),
        ("deployment_seen", None, "approved"),
    ]
    assert audit(world)[-1].note == "deployment fresh first launched (approved automatically)"

    service.set_auto_approve(world.admin, registration.id, on=True)  # no change: no entry
    assert len(audit(world)) == len(actions)
    service.set_auto_approve(world.admin, registration.id, on=False)
    assert service.deployment_seen(registration.id, "later").status is D.PENDING


def test_registering_with_auto_approve(service: PlatformService) -> None:
    registration = register(service, auto_approve=True)

    assert registration.auto_approve_deployments is True
    assert service.deployment_seen(registration.id, "any").status is D.APPROVED


def test_a_rejected_deployment_stays_rejected_until_approved(
    world: World, service: PlatformService
) -> None:
    registration = register(service)
    service.deployment_seen(registration.id, "stranger")

    rejected = service.decide(world.admin, registration.id, "stranger", approve=False)

    assert rejected.status is D.REJECTED
    assert service.deployment_seen(registration.id, "stranger").status is D.REJECTED
    assert service.pending().total == 0
    assert (audit(world)[-1].from_state, audit(world)[-1].to_state) == ("pending", "rejected")

    service.decide(world.admin, registration.id, "stranger", approve=False)  # no change
    assert len(audit(world)) == 3
    again = service.decide(world.admin, registration.id, "stranger", approve=True)
    assert again.status is D.APPROVED
    assert (audit(world)[-1].from_state, audit(world)[-1].to_state) == ("rejected", "approved")


def test_an_admin_may_decide_a_deployment_before_its_first_launch(
    world: World, service: PlatformService
) -> None:
    registration = register(service)

    decided = service.decide(world.admin, registration.id, " 9:known ", approve=True)

    assert decided.deployment_id == "9:known"
    assert service.deployment_seen(registration.id, "9:known").status is D.APPROVED
    assert (audit(world)[-1].from_state, audit(world)[-1].to_state) == (None, "approved")


def test_the_command_line_operator_is_audited_without_a_person(
    world: World, service: PlatformService
) -> None:
    registration = register(service)

    service.decide(OPERATOR, registration.id, "1", approve=True)
    service.set_auto_approve(OPERATOR, registration.id, on=True)

    assert [e.actor_id for e in audit(world)[-2:]] == [None, None]
    [deployment] = service.registrations()[0].deployments
    assert deployment.decided_by is None


@pytest.mark.parametrize("who", ["teacher", "assessor", "issuer"])
def test_only_admins_decide_deployments_and_auto_approval(
    world: World, service: PlatformService, who: str
) -> None:
    actor = getattr(world, who)
    registration = register(service)
    service.deployment_seen(registration.id, "waiting")

    with pytest.raises(PermissionDeniedError):
        service.decide(actor, registration.id, "waiting", approve=True)
    with pytest.raises(PermissionDeniedError):
        service.set_auto_approve(actor, registration.id, on=True)

    assert service.pending().total == 1
    assert service.get(registration.id).auto_approve_deployments is False
    assert [e.action for e in audit(world)] == ["register", "deployment_seen"]


def test_two_launches_recording_the_same_new_deployment_both_succeed(
    world: World, service: PlatformService
) -> None:
    registration = register(service)
    won: list[object] = []
    world.services.database.before_next_commit(
        lambda: won.append(service.deployment_seen(registration.id, "1:race"))
    )

    lost = service.deployment_seen(registration.id, "1:race")

    assert lost == won[0]
    [deployment] = service.registrations()[0].deployments
    assert deployment.status is D.PENDING
    assert [e.action for e in audit(world)].count("deployment_seen") == 1


def test_deployments_of_unknown_registrations_or_odd_ids_are_refused(
    world: World, service: PlatformService
) -> None:
    registration = register(service)

    with pytest.raises(NotFoundError):
        service.deployment_seen("no-such-registration", "1")
    with pytest.raises(NotFoundError):
        service.decide(world.admin, "no-such-registration", "1", approve=True)
    with pytest.raises(ValidationError) as error:
        service.deployment_seen(registration.id, "d" * 256)
    assert problems_of(error) == ["deployment_id: is longer than 255 characters"]
    with pytest.raises(ValidationError):
        service.decide(world.admin, registration.id, "  ", approve=True)
    assert service.registrations()[0].deployments == []


def test_pending_pages_oldest_first_across_registrations(
    world: World, service: PlatformService
) -> None:
    riverside = register(service, client_id="1", name="Riverside")
    lakeside = register(service, client_id="2", name="Lakeside")
    for registration, deployment_id in ((lakeside, "a"), (riverside, "b"), (lakeside, "c")):
        world.services.clock.advance(minutes=1)
        service.deployment_seen(registration.id, deployment_id)

    first = service.pending(page=1, per_page=2)
    second = service.pending(page=2, per_page=2)

    assert (first.total, first.pages, second.has_next) == (3, 2, False)
    assert [(i.registration.name, i.deployment.deployment_id) for i in first.items] == [
        ("Lakeside", "a"),
        ("Riverside", "b"),
    ]
    assert [i.deployment.deployment_id for i in second.items] == ["c"]
    summaries = {s.registration.name: s for s in service.registrations()}
    assert [d.deployment_id for d in summaries["Lakeside"].deployments] == ["a", "c"]


# -- the LTI fakes keep the SQL adapter's rules -------------------------------------------------


def test_fake_launch_state_takes_a_login_once_and_only_before_it_expires(world: World) -> None:
    clock, factory = world.services.clock, world.services.uow_factory
    now = clock.now()
    with factory() as uow:
        uow.launch_states.add_login(PendingLogin("s1", "n1", None, now + timedelta(minutes=5)), now)
        uow.launch_states.add_login(PendingLogin("s2", "n2", None, now + timedelta(minutes=1)), now)
        uow.commit()

    with factory() as uow:
        taken = uow.launch_states.take_login("s1", now)
        uow.commit()
    with factory() as uow:
        expired = uow.launch_states.take_login("s2", now + timedelta(minutes=2))
        uow.commit()
    with factory() as uow:
        assert uow.launch_states.take_login("s1", now) is None
        assert uow.launch_states.take_login("s2", now) is None

    assert taken == PendingLogin("s1", "n1", None, now + timedelta(minutes=5))
    assert expired is None


def test_fake_nonces_are_consumed_once_even_across_units_of_work(world: World) -> None:
    clock, factory = world.services.clock, world.services.uow_factory
    now, later = clock.now(), clock.now() + timedelta(minutes=10)
    with factory() as uow:
        assert uow.launch_states.consume_nonce(MOODLE, "n", now, later) is True
        assert uow.launch_states.consume_nonce(MOODLE, "n", now, later) is False
        assert uow.launch_states.consume_nonce(CANVAS, "n", now, later) is True
        uow.commit()
    with factory() as uow:
        assert uow.launch_states.consume_nonce(MOODLE, "n", now, later) is False
        assert uow.launch_states.purge_expired(later) == 2
        uow.commit()
    with factory() as uow:
        assert uow.launch_states.consume_nonce(MOODLE, "n", now, later) is True


def test_fake_platform_repository_enforces_the_unique_keys(world: World) -> None:
    registration = PlatformRegistration(
        "r1", "One", CANVAS, "1", "https://a/a", "https://a/t", "https://a/k", None, None,
        False, world.services.clock.now(),
    )  # fmt: skip
    factory = world.services.uow_factory
    with factory() as uow:
        uow.platforms.add(registration)
        uow.platforms.add(PlatformRegistration(**{**registration.__dict__, "id": "r2"}))
        with pytest.raises(ConflictError, match="platforms: duplicate"):
            uow.commit()
    with factory() as uow:
        assert uow.platforms.all() == []
