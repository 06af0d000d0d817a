"""Catalog import: idempotent, versioned, and submissions keep the version they started on."""

from __future__ import annotations

import pytest

from lti_tool.domain.catalog import parse_catalog
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.roles import Role
from lti_tool.ports import AuditFilter
from tests.fakes.builders import (
    CREDENTIAL_SLUG,
    STACK_SLUG,
    Services,
    World,
    add_actor,
    build_catalog,
    build_services,
    build_world,
    catalog_dict,
    credential_dict,
    submitted,
)


@pytest.fixture
def services() -> Services:
    return build_services()


def _audit_count(services: Services) -> int:
    with services.uow_factory() as uow:
        return uow.audit.count(AuditFilter())


def test_a_first_import_creates_the_stack_and_version_one(services: Services) -> None:
    services.clock.advance(days=1)
    report = services.catalog.import_document(build_catalog(), actor_id=None)
    assert report.changed
    assert report.stacks_created == [STACK_SLUG]
    assert report.credentials_created == [CREDENTIAL_SLUG]
    assert report.credentials_new_version == []
    assert report.summary() == (
        "stacks: 1 created, 0 updated; credentials: 1 created, 0 new versions, 0 unchanged"
    )
    stack, current = services.catalog.credential(CREDENTIAL_SLUG)
    assert stack.slug == STACK_SLUG
    assert current.version == 1
    assert current.slug == CREDENTIAL_SLUG
    assert current.stack_id == stack.id
    assert current.created_at == services.clock.now()
    assert current.definition == build_catalog().stacks[0].credentials[0]
    assert current.fingerprint == current.definition.fingerprint()
    (view,) = services.catalog.browse()
    assert view.stack == stack
    assert [version.id for version in view.credentials] == [current.id]


def test_importing_the_same_catalog_twice_changes_nothing(services: Services) -> None:
    services.catalog.import_document(build_catalog())
    _, before = services.catalog.credential(CREDENTIAL_SLUG)
    audit_before = _audit_count(services)
    commits_before = services.database.commits

    report = services.catalog.import_document(build_catalog())

    assert report.changed is False
    assert report.credentials_unchanged == [CREDENTIAL_SLUG]
    assert (report.stacks_created, report.stacks_updated, report.credentials_created) == (
        [],
        [],
        [],
    )
    _, after = services.catalog.credential(CREDENTIAL_SLUG)
    assert (after.id, after.version) == (before.id, 1)
    assert [v.version for v in services.catalog.history(CREDENTIAL_SLUG)] == [1]
    assert _audit_count(services) == audit_before
    assert services.database.commits == commits_before + 1


def test_a_changed_credential_gets_version_two(services: Services) -> None:
    services.catalog.import_document(build_catalog())
    _, first = services.catalog.credential(CREDENTIAL_SLUG)

    report = services.catalog.import_document(build_catalog(title="Questioning, revised"))

    assert report.credentials_new_version == [(CREDENTIAL_SLUG, 2)]
    assert report.changed
    _, second = services.catalog.credential(CREDENTIAL_SLUG)
    assert second.version == 2
    assert second.id != first.id
    assert second.credential_id == first.credential_id
    assert second.definition.title == "Questioning, revised"
    assert [(v.version, v.definition.title) for v in services.catalog.history(CREDENTIAL_SLUG)] == [
        (1, "Higher-order questioning"),
        (2, "Questioning, revised"),
    ]
    (view,) = services.catalog.browse()
    assert [v.version for v in view.credentials] == [2]
    with services.uow_factory() as uow:
        (entry,) = uow.audit.page(AuditFilter(entity_type="credential", action="import"), 1, 0)
    assert (entry.entity_id, entry.from_state, entry.to_state) == (first.credential_id, "v1", "v2")


@pytest.mark.parametrize(
    "change",
    [{"attempt_cap": 2}, {"double_review": True}, {"blind_review": False}, {"competency": "New"}],
)
def test_any_content_change_makes_a_new_version(
    services: Services, change: dict[str, object]
) -> None:
    services.catalog.import_document(build_catalog())
    report = services.catalog.import_document(build_catalog(**change))
    assert report.credentials_new_version == [(CREDENTIAL_SLUG, 2)]


def test_a_changed_stack_is_updated_without_a_new_credential_version(services: Services) -> None:
    services.catalog.import_document(build_catalog())
    data = catalog_dict()
    data["stacks"][0]["title"] = "Classroom practice, second edition"
    report = services.catalog.import_document(parse_catalog(data))
    assert report.stacks_updated == [STACK_SLUG]
    assert report.credentials_unchanged == [CREDENTIAL_SLUG]
    stack, current = services.catalog.credential(CREDENTIAL_SLUG)
    assert stack.title == "Classroom practice, second edition"
    assert current.version == 1


def test_a_credential_moved_to_another_stack_gets_a_new_version(services: Services) -> None:
    services.catalog.import_document(build_catalog())
    data = catalog_dict()
    data["stacks"][0]["credentials"] = [credential_dict(slug="other-credential")]
    data["stacks"].append(
        {"slug": "assessment", "title": "Assessment", "credentials": [credential_dict()]}
    )
    report = services.catalog.import_document(parse_catalog(data))
    assert report.stacks_created == ["assessment"]
    assert report.credentials_created == ["other-credential"]
    assert report.credentials_new_version == [(CREDENTIAL_SLUG, 2)]
    stack, current = services.catalog.credential(CREDENTIAL_SLUG)
    assert (stack.slug, current.version) == ("assessment", 2)
    titles = {
        view.stack.slug: [v.slug for v in view.credentials] for view in services.catalog.browse()
    }
    assert titles == {"assessment": [CREDENTIAL_SLUG], STACK_SLUG: ["other-credential"]}


def test_an_unknown_credential_is_not_found(services: Services) -> None:
    with pytest.raises(NotFoundError):
        services.catalog.credential("nothing-here")
    assert services.catalog.history("nothing-here") == []
    assert services.catalog.browse() == []


# -- versions and submissions -----------------------------------------------------------------


@pytest.fixture
def world() -> World:
    return build_world()


def test_a_submission_keeps_the_version_it_started_on(world: World) -> None:
    catalog = world.services.catalog
    _, first = catalog.credential(CREDENTIAL_SLUG)
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    assert draft.credential_version_id == first.id

    catalog.import_document(build_catalog(title="Questioning, revised"))
    _, second = catalog.credential(CREDENTIAL_SLUG)
    assert second.version == 2

    reopened = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    assert reopened.id == draft.id
    assert reopened.credential_version_id == first.id
    workspace = world.services.submissions.workspace(world.teacher, draft.id)
    assert workspace.credential.version == 1
    assert workspace.definition.title == "Higher-order questioning"
    assert [(s.id, v.version) for s, v in world.services.submissions.mine(world.teacher)] == [
        (draft.id, 1)
    ]

    newcomer = world.services.submissions.start(world.other_teacher, CREDENTIAL_SLUG)
    assert newcomer.credential_version_id == second.id


def test_a_submitted_attempt_is_reviewed_against_its_own_version(world: World) -> None:
    sub = submitted(world)
    world.services.catalog.import_document(build_catalog(title="Questioning, revised"))
    (row,) = world.services.reviews.queue(world.assessor).pool.items
    assert row.credential_title == "Higher-order questioning"
    world.services.reviews.claim(world.assessor, sub.id)
    workspace = world.services.reviews.workspace(world.assessor, sub.id)
    assert workspace.credential_version == 1
    assert workspace.definition.title == "Higher-order questioning"


def test_the_attempt_cap_of_the_started_version_applies(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    world.services.catalog.import_document(build_catalog(attempt_cap=1))
    assert world.services.submissions.workspace(world.teacher, draft.id).attempt_cap == 3
    late = add_actor(world.services, "Lee Late", world.school.id, Role.EDUCATOR)
    started = world.services.submissions.start(late, CREDENTIAL_SLUG)
    assert world.services.submissions.workspace(late, started.id).attempt_cap == 1
    assert started.state is SubmissionState.DRAFT
