"""The demo district: people in every role and submissions in every state, made through the
services exactly as users would make them, so every page has something real to show."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lti_tool.bootstrap import Container
from lti_tool.clock import ShiftableClock
from lti_tool.demo_files import sample_file
from lti_tool.domain.catalog import CredentialDefinition, EvidenceKind, parse_catalog
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.model import Person, SectionScore
from lti_tool.domain.roles import IdentityKind, OrganizationKind, Role
from lti_tool.services.common import Actor

DEMO_DISTRICT_SLUG = "riverbend-usd"
DEMO_CATALOG_NAME = Path("config/catalog/demo.yaml")


def default_catalog() -> Path | None:
    """The demo catalog from the working directory, else from the source checkout, else None."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        candidate = base / DEMO_CATALOG_NAME
        if candidate.is_file():
            return candidate
    return None


@dataclass
class DemoReport:
    loaded: bool
    people: dict[str, str] = field(default_factory=dict)
    """Display name -> person id."""
    states: dict[str, SubmissionState] = field(default_factory=dict)
    """Description -> state reached."""


def load_catalog_file(path: Path) -> object:
    """Read a YAML or JSON catalog file (JSON is YAML, so one safe loader reads both)."""
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def fill_draft(
    container: Container,
    educator: Actor,
    submission_id: str,
    definition: CredentialDefinition,
    *,
    required_only: bool = False,
    reflection: Callable[[str], str] = lambda title: f"What happened in {title}, and why.",
) -> None:
    """Fill a draft through the services as an educator would: write each reflection, add a
    link to each link item, and upload a small real file of an accepted type to each file item.
    Used by the demo district, the benchmarks and tests."""
    for section in definition.sections:
        for requirement in section.evidence:
            if required_only and not requirement.required:
                continue
            if requirement.kind is EvidenceKind.FILE:
                name, data = sample_file(
                    requirement.accepts[0], f"{section.title} {requirement.label}"
                )
                container.evidence.upload(
                    educator, submission_id, section.key, requirement.key, name, io.BytesIO(data)
                )
                continue
            reflecting = requirement.kind is EvidenceKind.REFLECTION
            container.submissions.save_response(
                educator,
                submission_id,
                section.key,
                requirement.key,
                expected_version=0,
                text=reflection(section.title) if reflecting else None,
                links=None
                if reflecting
                else [f"https://example.org/{section.key}/{requirement.key}"],
            )


class _DemoBuilder:
    def __init__(self, container: Container, clock: ShiftableClock) -> None:
        self.c = container
        self.clock = clock
        self.report = DemoReport(loaded=True)

    def actor(self, person: Person) -> Actor:
        return self.c.people.actor(person.id)

    def fill_draft(
        self, teacher: Person, submission_id: str, definition: CredentialDefinition
    ) -> None:
        first_name = teacher.display_name.split()[0]
        fill_draft(
            self.c,
            self.actor(teacher),
            submission_id,
            definition,
            reflection=lambda title: (
                f"{first_name}'s reflection for {title}: I planned the lesson around this "
                "practice, tried it with my fourth-period class, and noted how students "
                "responded. What worked, what I would change, and the student work that shows "
                "it are below."
            ),
        )

    def review(self, assessor: Person, submission_id: str, recommendation: str) -> None:
        who = self.actor(assessor)
        self.c.reviews.claim(who, submission_id)
        workspace = self.c.reviews.workspace(who, submission_id)
        scores = []
        for section in workspace.definition.sections:
            level = section.required_level if recommendation == "award" else section.levels[0].key
            feedback = (
                "Clear evidence of the practice; the student work shows its effect."
                if recommendation == "award"
                else "The reflection describes the plan but not what students did: add the "
                "student work and say what you would change next time."
            )
            scores.append(SectionScore(section.key, level, feedback))
        self.c.reviews.complete(
            who, submission_id, scores, recommendation, "Thank you for a thoughtful submission."
        )


def _demo_credit(container: Container, district_id: str) -> None:
    """Riverbend earns Tennessee credit and pays a 150.00 stipend for every stack's credentials."""
    if "TN" in container.credit.rules():
        container.credit_admin.configure(None, district_id, "TN")
    for view in container.catalog.browse():
        container.credit_admin.set_override(
            None, district_id, "stack", view.stack.slug,
            stipend_amount="150.00", funding_source="Title II", note="demo",
        )  # fmt: skip


def load_demo(  # noqa: PLR0915 - the demo story, told top to bottom
    container: Container, clock: ShiftableClock, catalog_path: Path
) -> DemoReport:
    """Load the demo district once. A second call changes nothing and says so."""
    people = container.people
    if people.organization_by_slug(DEMO_DISTRICT_SLUG) is not None:
        return DemoReport(loaded=False)
    container.catalog.import_document(parse_catalog(load_catalog_file(catalog_path)))
    builder = _DemoBuilder(container, clock)
    clock.set_days_ago(30)
    state = people.add_organization(
        "Demo State Department of Education", OrganizationKind.STATE, slug="demo-state"
    )
    district = people.add_organization(
        "Riverbend Unified School District",
        OrganizationKind.DISTRICT,
        slug=DEMO_DISTRICT_SLUG,
        parent_id=state.id,
    )
    schools = [
        people.add_organization(name, OrganizationKind.SCHOOL, slug=slug, parent_id=district.id)
        for name, slug in [
            ("Riverbend Elementary School", "riverbend-es"),
            ("Riverbend Middle School", "riverbend-ms"),
            ("Riverbend High School", "riverbend-hs"),
        ]
    ]
    _demo_credit(container, district.id)
    provider = people.add_organization(
        "Riverbend Assessment Collaborative",
        OrganizationKind.PROVIDER,
        slug="riverbend-assessors",
        parent_id=district.id,
    )

    def person(name: str, email: str, organization: str, *roles: Role) -> Person:
        created = people.add_person(
            name,
            email=email,
            organization_id=organization,
            roles=tuple((role, organization) for role in roles),
        )
        builder.report.people[name] = created.id
        return created

    person("Alex Morgan", "admin@riverbend.example", district.id, Role.ADMIN)
    issuer = person("Irene Castillo", "issuer@riverbend.example", district.id, Role.ISSUER)
    asa = person("Asa Brooks", "asa.brooks@assessors.example", provider.id, Role.ASSESSOR)
    bea = person("Bea Nakamura", "bea.nakamura@assessors.example", provider.id, Role.ASSESSOR)
    lena = person("Lena Okafor", "lena.okafor@assessors.example", provider.id, Role.ASSESSOR)
    teachers = [
        person(name, email, school.id, Role.EDUCATOR)
        for name, email, school in [
            ("Tamara Jones", "tamara.jones@riverbend.example", schools[0]),
            ("Omar Haddad", "omar.haddad@riverbend.example", schools[1]),
            ("Priya Raman", "priya.raman@riverbend.example", schools[2]),
            ("Diego Alvarez", "diego.alvarez@riverbend.example", schools[0]),
            ("Grace Whitfield", "grace.whitfield@riverbend.example", schools[1]),
            ("Samuel Lee", "samuel.lee@riverbend.example", schools[2]),
        ]
    ]
    credentials = [item for stack in container.catalog.browse() for item in stack.credentials]
    double = [item for item in credentials if container.policy.double_for(item.definition)]
    single = [item for item in credentials if not container.policy.double_for(item.definition)]
    if not double or len(single) < 4:
        raise ValueError("The demo catalog needs one double-review credential and four others")

    def started(teacher: Person, slug: str, days_ago: float, *, fill: bool = True) -> str:
        clock.set_days_ago(days_ago)
        submission = container.submissions.start(builder.actor(teacher), slug)
        if fill:
            definition = container.catalog.credential(slug)[1].definition
            builder.fill_draft(teacher, submission.id, definition)
        return submission.id

    def submitted(teacher: Person, slug: str, days_ago: float) -> str:
        submission_id = started(teacher, slug, days_ago + 2)
        clock.set_days_ago(days_ago)
        container.submissions.submit(builder.actor(teacher), submission_id)
        return submission_id

    def decided(submission_id: str, outcome: str, note: str = "") -> None:
        container.decisions.decide(builder.actor(issuer), submission_id, outcome, note)

    tamara, omar, priya, diego, grace, samuel = teachers
    a, b, c, d = (item.slug for item in single[:4])
    dbl = double[0].slug
    plan: list[tuple[str, str]] = []

    # Tamara already holds an award, and has a fresh draft of another credential.
    awarded_id = submitted(tamara, a, 25)
    builder.review(asa, awarded_id, "award")
    decided(awarded_id, "award")
    plan.append(("Tamara: awarded", awarded_id))
    plan.append(("Tamara: draft", started(tamara, b, 1, fill=False)))
    # Omar: one waiting in the queue, one returned for resubmission.
    plan.append(("Omar: submitted, waiting for review", submitted(omar, a, 6)))
    returned_id = submitted(omar, b, 12)
    builder.review(bea, returned_id, "resubmit")
    decided(returned_id, "return")
    plan.append(("Omar: returned for resubmission", returned_id))
    # Priya: claimed by Asa; Samuel: reviewed, waiting for the issuer.
    in_review_id = submitted(priya, a, 4)
    container.reviews.claim(builder.actor(asa), in_review_id)
    plan.append(("Priya: in review (Asa)", in_review_id))
    waiting_id = submitted(samuel, c, 9)
    builder.review(lena, waiting_id, "award")
    plan.append(("Samuel: awaiting the issuer's decision", waiting_id))
    # Double review on the double-review credential: waiting for, and in, second review.
    second_id = submitted(diego, dbl, 8)
    builder.review(asa, second_id, "award")
    plan.append(("Diego: awaiting second review", second_id))
    in_second_id = submitted(priya, dbl, 7)
    builder.review(asa, in_second_id, "award")
    container.reviews.claim(builder.actor(bea), in_second_id)
    plan.append(("Priya: in second review (Bea)", in_second_id))
    adjudication_id = submitted(grace, dbl, 10)
    builder.review(asa, adjudication_id, "award")
    builder.review(bea, adjudication_id, "resubmit")
    plan.append(("Grace: awaiting adjudication", adjudication_id))
    in_adjudication_id = submitted(samuel, dbl, 11)
    builder.review(bea, in_adjudication_id, "award")
    builder.review(asa, in_adjudication_id, "resubmit")
    container.reviews.claim(builder.actor(lena), in_adjudication_id)
    plan.append(("Samuel: in adjudication (Lena)", in_adjudication_id))
    denied_id = submitted(diego, d, 20)
    builder.review(lena, denied_id, "resubmit")
    decided(
        denied_id,
        "deny",
        "The evidence comes from a different practice than this credential "
        "certifies; please choose the credential that matches it.",
    )
    plan.append(("Diego: denied", denied_id))
    withdrawn_id = started(grace, c, 3, fill=False)
    container.submissions.withdraw(builder.actor(grace), withdrawn_id)
    plan.append(("Grace: withdrawn draft", withdrawn_id))
    clock.reset()
    for description, submission_id in plan:
        owner = next(t for t in teachers if description.startswith(t.display_name.split()[0]))
        states = dict(
            (item.id, item.state) for item, _ in container.submissions.mine(builder.actor(owner))
        )
        builder.report.states[description] = states[submission_id]
    return builder.report


def register_demo_lms(container: Container) -> str:
    """Make the demo LMS's key and register it with the tool (its key set pasted, its one
    deployment approved), and link the demo people to their demo LMS accounts, so launches
    from ``/demo-lms`` sign them in. Safe to run again. Returns the registration id."""
    from lti_tool.demo_lms import demo as demo_lms

    settings = container.settings
    key = demo_lms.load_or_make_key(settings.instance_path)
    issuer = demo_lms.issuer_for(settings.base_url)
    fields: dict[str, Any] = {
        "name": "Demo LMS",
        "issuer": issuer,
        "client_id": demo_lms.CLIENT_ID,
        "auth_login_url": f"{issuer}/auth",
        "auth_token_url": f"{issuer}/token",
        "key_set": {"keys": [key.public_jwk()]},
    }
    registration = container.platforms.find(issuer, demo_lms.CLIENT_ID)
    if registration is None:
        registration = container.platforms.register(
            **fields, deployment_ids=(demo_lms.DEPLOYMENT_ID,), how="demo"
        )
    elif registration.key_set != fields["key_set"]:  # the key file was made anew
        registration = container.platforms.update(registration.id, **fields)
    for user in demo_lms.USERS:
        person = container.people.find_by_email(user.email)
        if person is not None:
            identity = (IdentityKind.LTI_SUBJECT, issuer, user.subject)
            container.people.add_identities(person.id, (identity,))
    return registration.id
