"""Builders for service tests: a small catalog, all services wired to the fakes, and a cast.

:func:`build_services` mirrors ``lti_tool.bootstrap.build`` with the in-memory fakes in place of
the database, the evidence store and the content sniffer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from lti_tool.domain.catalog import CatalogDocument, CredentialDefinition, parse_catalog
from lti_tool.domain.model import Organization, Recommendation, SectionScore, Submission
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.services.audit import AuditService
from lti_tool.services.catalog import CatalogService
from lti_tool.services.common import Actor, ReviewPolicy
from lti_tool.services.decisions import DecisionService
from lti_tool.services.evidence import EvidenceService
from lti_tool.services.people import PeopleService
from lti_tool.services.review import ReviewService
from lti_tool.services.submissions import SubmissionService
from tests.fakes.memory import (
    FakeClock,
    FakeEvidenceStore,
    InMemoryUnitOfWorkFactory,
    MemoryDatabase,
)

STACK_SLUG = "classroom-practice"
CREDENTIAL_SLUG = "questioning"
PLANNING = "planning"
PRACTICE = "practice"
REFLECTION = "reflection"
LINKS = "resources"
ARTIFACT = "artifact"
LEVELS = ("emerging", "developing", "proficient", "exemplary")
REQUIRED_LEVEL = "proficient"

PDF_BYTES = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 20 + b"%%EOF\n"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PNG_BYTES = PNG_MAGIC + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
DEFAULT_MAX_UPLOAD_BYTES = 100_000


class FakeSniffer:
    """Recognises two signatures: ``%PDF`` and the PNG magic number."""

    def sniff(self, head: bytes) -> str | None:
        if head.startswith(b"%PDF"):
            return "application/pdf"
        if head.startswith(PNG_MAGIC):
            return "image/png"
        return None


def _levels() -> list[dict[str, str]]:
    return [{"key": key, "label": key.title()} for key in LEVELS]


def credential_dict(
    *,
    slug: str = CREDENTIAL_SLUG,
    title: str = "Higher-order questioning",
    attempt_cap: int | None = None,
    double_review: bool | None = None,
    blind_review: bool | None = None,
    competency: str = "The educator asks questions that push students to reason.",
) -> dict[str, Any]:
    """One credential: a section with a reflection and a link, and a section with a file."""
    data: dict[str, Any] = {
        "slug": slug,
        "title": title,
        "competency": competency,
        "key_method": "Plan, ask and reflect on open questions.",
        "supporting_research": ["Walsh & Sattes (2016), Questioning for classroom discussion."],
        "sections": [
            {
                "key": PLANNING,
                "title": "Planning",
                "prompt": "How did you plan your questions?",
                "evidence": [
                    {"key": REFLECTION, "kind": "reflection", "label": "Planning reflection"},
                    {"key": LINKS, "kind": "link", "label": "Lesson resources"},
                ],
                "rubric": {"levels": _levels(), "required_level": REQUIRED_LEVEL},
            },
            {
                "key": PRACTICE,
                "title": "Practice",
                "prompt": "Show the questions in use.",
                "evidence": [
                    {
                        "key": ARTIFACT,
                        "kind": "file",
                        "label": "Student work sample",
                        "accepts": ["pdf", "image"],
                    }
                ],
                "rubric": {"levels": _levels(), "required_level": REQUIRED_LEVEL},
            },
        ],
    }
    for key, value in (
        ("attempt_cap", attempt_cap),
        ("double_review", double_review),
        ("blind_review", blind_review),
    ):
        if value is not None:
            data[key] = value
    return data


def catalog_dict(**options: Any) -> dict[str, Any]:
    """One stack holding one credential; ``options`` go to :func:`credential_dict`."""
    return {
        "stacks": [
            {
                "slug": STACK_SLUG,
                "title": "Classroom practice",
                "description": "Everyday teaching moves.",
                "credentials": [credential_dict(**options)],
            }
        ]
    }


def build_catalog(**options: Any) -> CatalogDocument:
    """Parse :func:`catalog_dict` through the real catalog parser."""
    return parse_catalog(catalog_dict(**options))


@dataclass
class Services:
    """The fakes and every service wired to them, like ``bootstrap.Container``."""

    database: MemoryDatabase
    uow_factory: InMemoryUnitOfWorkFactory
    clock: FakeClock
    store: FakeEvidenceStore
    sniffer: FakeSniffer
    policy: ReviewPolicy
    catalog: CatalogService
    people: PeopleService
    submissions: SubmissionService
    evidence: EvidenceService
    reviews: ReviewService
    decisions: DecisionService
    audit: AuditService


def build_services(
    policy: ReviewPolicy | None = None,
    *,
    clock: FakeClock | None = None,
    store: FakeEvidenceStore | None = None,
) -> Services:
    policy = policy or ReviewPolicy(max_upload_bytes=DEFAULT_MAX_UPLOAD_BYTES)
    uow_factory = InMemoryUnitOfWorkFactory()
    clock = clock or FakeClock()
    store = store or FakeEvidenceStore()
    sniffer = FakeSniffer()
    return Services(
        database=uow_factory.database,
        uow_factory=uow_factory,
        clock=clock,
        store=store,
        sniffer=sniffer,
        policy=policy,
        catalog=CatalogService(uow_factory, clock),
        people=PeopleService(uow_factory, clock),
        submissions=SubmissionService(uow_factory, clock, policy),
        evidence=EvidenceService(uow_factory, clock, store, sniffer, policy),
        reviews=ReviewService(uow_factory, clock, policy),
        decisions=DecisionService(uow_factory, clock, policy),
        audit=AuditService(uow_factory),
    )


@dataclass
class World:
    """Services with the catalog imported and a cast of people."""

    services: Services
    district: Organization
    school: Organization
    teacher: Actor
    other_teacher: Actor
    assessor: Actor
    second_assessor: Actor
    adjudicator: Actor
    issuer: Actor
    admin: Actor
    assessing_teacher: Actor
    """An educator who is also an assessor (to prove nobody reviews their own work)."""

    @property
    def slug(self) -> str:
        return CREDENTIAL_SLUG

    def definition(self) -> CredentialDefinition:
        return self.services.catalog.credential(CREDENTIAL_SLUG)[1].definition


def add_actor(services: Services, name: str, organization_id: str, *roles: Role) -> Actor:
    person = services.people.add_person(
        name,
        email=f"{name.lower().replace(' ', '.')}@example.org",
        organization_id=organization_id,
        roles=tuple((role, organization_id) for role in roles),
    )
    return services.people.actor(person.id)


def build_world(policy: ReviewPolicy | None = None, **catalog_options: Any) -> World:
    services = build_services(policy)
    services.catalog.import_document(build_catalog(**catalog_options))
    district = services.people.add_organization(
        "Riverside District", OrganizationKind.DISTRICT, slug="riverside"
    )
    school = services.people.add_organization(
        "Hilltop Elementary", OrganizationKind.SCHOOL, slug="hilltop", parent_id=district.id
    )
    return World(
        services=services,
        district=district,
        school=school,
        teacher=add_actor(services, "Tess Teacher", school.id, Role.EDUCATOR),
        other_teacher=add_actor(services, "Omar Other", school.id, Role.EDUCATOR),
        assessor=add_actor(services, "Ada Assessor", district.id, Role.ASSESSOR),
        second_assessor=add_actor(services, "Ben Second", district.id, Role.ASSESSOR),
        adjudicator=add_actor(services, "Cleo Adjudicator", district.id, Role.ASSESSOR),
        issuer=add_actor(services, "Ivy Issuer", district.id, Role.ISSUER),
        admin=add_actor(services, "Al Admin", district.id, Role.ADMIN),
        assessing_teacher=add_actor(services, "Dana Dual", school.id, Role.EDUCATOR, Role.ASSESSOR),
    )


# -- acting ------------------------------------------------------------------------------------


def write_draft(world: World, actor: Actor, submission_id: str, text: str = "I planned.") -> None:
    """Fill the reflection and the link of the planning section."""
    service = world.services.submissions
    responses = service.workspace(actor, submission_id).responses
    for requirement, value in ((REFLECTION, text), (LINKS, "https://example.org/lesson")):
        existing = responses.get((PLANNING, requirement))
        service.save_response(
            actor,
            submission_id,
            PLANNING,
            requirement,
            expected_version=existing.version if existing else 0,
            text=value if requirement == REFLECTION else None,
            links=[value] if requirement == LINKS else None,
        )


def upload(
    world: World,
    actor: Actor,
    submission_id: str,
    filename: str = "work.pdf",
    content: bytes = PDF_BYTES,
) -> Any:
    return world.services.evidence.upload(
        actor, submission_id, PRACTICE, ARTIFACT, filename, io.BytesIO(content)
    )


def submitted(world: World, actor: Actor | None = None) -> Submission:
    """A complete draft by ``actor`` (the teacher by default), submitted."""
    actor = actor or world.teacher
    submission = world.services.submissions.start(actor, CREDENTIAL_SLUG)
    write_draft(world, actor, submission.id)
    upload(world, actor, submission.id)
    return world.services.submissions.submit(actor, submission.id)


def scores(
    level: str = REQUIRED_LEVEL, feedback: str = "Clear, specific work."
) -> list[SectionScore]:
    return [SectionScore(PLANNING, level, feedback), SectionScore(PRACTICE, level, feedback)]


def review(
    world: World,
    assessor: Actor,
    submission_id: str,
    recommendation: str = Recommendation.AWARD,
) -> Submission:
    """Claim and complete a review recommending ``recommendation``."""
    world.services.reviews.claim(assessor, submission_id)
    level = REQUIRED_LEVEL if recommendation == Recommendation.AWARD else "emerging"
    return world.services.reviews.complete(
        assessor,
        submission_id,
        scores(level, f"Feedback from {assessor.display_name} on attempt."),
        recommendation,
    )
