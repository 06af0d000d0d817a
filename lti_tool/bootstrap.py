"""Composition root: the only module that chooses concrete classes.

The web app, the CLI, the benchmarks and the tests all get their services from :func:`build`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from connectors.canvas.gateway import CanvasConnector
from connectors.http import HttpClient
from connectors.oneroster.csv_package import CsvPackage
from connectors.oneroster.factory import OneRosterSources
from connectors.pdms.csv_export.certificate import certificate_pdf
from connectors.pdms.registry import PdmsAdapters
from lti_tool.badges.baker import Baker
from lti_tool.badges.keyring import IssuerKeyRing
from lti_tool.badges.proofs import BadgeProofs
from lti_tool.clock import SystemClock
from lti_tool.credit_rules_files import CreditRuleFiles
from lti_tool.crypto import SecretBox
from lti_tool.db.engine import database_answers, make_engine, make_session_factory
from lti_tool.db.repositories.canvas import SqlCanvasStore
from lti_tool.db.repositories.dashboards import SqlDashboardQueries
from lti_tool.db.repositories.launch_states import SqlLaunchStateTransactionFactory
from lti_tool.db.repositories.roster import SqlRosterStore
from lti_tool.db.repositories.roster_schedules import SqlRosterSchedules
from lti_tool.db.repositories.uploads import SqlUploadSessions
from lti_tool.db.uow import SqlUnitOfWorkFactory
from lti_tool.lti.ags import AgsClient
from lti_tool.lti.deep_linking import DeepLinkResponder
from lti_tool.lti.keys import ToolKeyService
from lti_tool.lti.launch import LtiAdapter
from lti_tool.lti.nrps import NrpsClient
from lti_tool.lti.nrps_roster import NrpsCourseRoster
from lti_tool.lti.registration import DynamicRegistrar
from lti_tool.lti.service_ports import AgsGradePoster, NrpsMemberReader
from lti_tool.lti.service_tokens import ServiceTokenClient
from lti_tool.mail import FolderMailer, SmtpMailer
from lti_tool.ports import Clock, ContentSniffer, EvidenceStore, UnitOfWorkFactory
from lti_tool.ports_badges import Mailer
from lti_tool.services.audit import AuditService
from lti_tool.services.canvas import SYNC_TOPIC, CanvasService
from lti_tool.services.canvas_evidence import CanvasEvidence
from lti_tool.services.canvas_feedback import COMMENT_TOPIC, CanvasFeedback
from lti_tool.services.catalog import CatalogService
from lti_tool.services.chunked_uploads import ChunkedUploads
from lti_tool.services.cohort import CohortService
from lti_tool.services.common import ReviewPolicy
from lti_tool.services.course_sync import CourseSyncService
from lti_tool.services.credentials import CredentialService
from lti_tool.services.credit import CreditService
from lti_tool.services.credit_admin import CreditAdminService
from lti_tool.services.dashboards import DashboardService
from lti_tool.services.decisions import AWARDED_TOPIC, DecisionService
from lti_tool.services.delivery import DELIVERY_TOPIC, DeliveryService
from lti_tool.services.delivery_admin import DeliveryAdmin
from lti_tool.services.delivery_items import (
    CredentialLinks,
    ItemSources,
)
from lti_tool.services.evidence import EvidenceService
from lti_tool.services.grade_passback import GradePassbackService
from lti_tool.services.launch import LaunchService
from lti_tool.services.lti_links import NRPS_SYNC_TOPIC, SCORE_TOPIC
from lti_tool.services.organizations import OrganizationService
from lti_tool.services.outbox import OutboxWorker, RetryPolicy, worker_name
from lti_tool.services.payroll import PayrollService
from lti_tool.services.people import PeopleService
from lti_tool.services.platforms import PlatformService
from lti_tool.services.review import ReviewService
from lti_tool.services.role_overrides import RoleOverrideService
from lti_tool.services.roster import RosterPolicy, RosterService
from lti_tool.services.roster_answers import RosterAnswers
from lti_tool.services.roster_identity import IdentityLinker
from lti_tool.services.roster_lms import LmsRosterService
from lti_tool.services.roster_schedule import RosterScheduler
from lti_tool.services.roster_sync import RosterSyncService
from lti_tool.services.sharing import SharingService
from lti_tool.services.stacks import StackAwardService
from lti_tool.services.stipends import StipendService
from lti_tool.services.submissions import SubmissionService
from lti_tool.services.verification import VerificationService
from lti_tool.settings import Settings
from lti_tool.storage.local import LocalEvidenceStore
from lti_tool.storage.sniffing import FiletypeSniffer
from lti_tool.storage.spool import LocalUploadSpool


@dataclass
class Container:
    """Everything wired together for one process."""

    settings: Settings
    engine: Engine
    uow_factory: UnitOfWorkFactory
    clock: Clock
    store: EvidenceStore
    policy: ReviewPolicy
    catalog: CatalogService
    people: PeopleService
    submissions: SubmissionService
    evidence: EvidenceService
    reviews: ReviewService
    decisions: DecisionService
    audit: AuditService
    secrets: SecretBox
    tool_keys: ToolKeyService
    """One per process: its cache of loaded private keys is what keeps signing cheap."""
    platforms: PlatformService
    lti: LtiAdapter
    """One per process: it caches platform key sets."""
    launches: LaunchService
    deep_links: DeepLinkResponder
    service_tokens: ServiceTokenClient
    """One per process: it caches service tokens per (issuer, client_id, token URL, scopes)."""
    nrps: NrpsClient
    ags: AgsClient
    keyring: IssuerKeyRing
    """One per process: it caches loaded issuer keys."""
    proofs: BadgeProofs
    badge_baker: Baker
    credentials: CredentialService
    stacks: StackAwardService
    verification: VerificationService
    mailer: Mailer
    sharing: SharingService
    worker: OutboxWorker
    """Consumes the outbox (``credbridge worker``)."""
    roster: RosterService
    roster_sync: RosterSyncService
    roster_schedule: RosterScheduler
    roster_answers: RosterAnswers
    roster_lms: LmsRosterService
    """LMS course rosters (NRPS) into SIS classes."""
    """Runs each provider's scheduled syncs from the worker's polls."""
    roster_http: HttpClient
    """Shared by roster syncs; closed with the container (``close()``)."""

    def roster_package(self, path: Path) -> CsvPackage:
        """A OneRoster CSV package (zip or folder) as a roster source."""
        return CsvPackage(path)

    registrar: DynamicRegistrar
    role_overrides: RoleOverrideService
    cohorts: CohortService
    canvas: CanvasService
    canvas_evidence: CanvasEvidence
    canvas_connector: CanvasConnector
    """One per process (one HTTP session); closed with the container."""
    dashboards: DashboardService
    organizations: OrganizationService
    uploads: ChunkedUploads
    """Chunked, resumable uploads of large evidence files (spooled in ``instance/uploads``)."""
    credit: CreditService
    """One per process: it caches the credit rule files."""
    credit_admin: CreditAdminService
    stipends: StipendService
    payroll: PayrollService
    delivery: DeliveryService
    delivery_admin: DeliveryAdmin
    pdms: PdmsAdapters
    """Delivery targets' shared HTTP client; closed with the container."""
    members: NrpsMemberReader
    grade_passback: GradePassbackService
    course_syncs: CourseSyncService

    def database_ok(self) -> bool:
        """Whether the database answers a trivial query (for ``/healthz``)."""
        return database_answers(self.engine)


def build_store(settings: Settings) -> EvidenceStore:
    if settings.storage_backend == "s3":
        from lti_tool.storage.s3 import S3EvidenceStore  # boto3 is imported only when used

        assert settings.s3_bucket is not None
        return S3EvidenceStore(
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
        )
    return LocalEvidenceStore(settings.storage_path)


def build_mailer(settings: Settings) -> Mailer:
    mail = settings.mail
    if mail.smtp_host:
        return SmtpMailer(
            mail.smtp_host, mail.smtp_port, mail.sender, mail.smtp_user, mail.smtp_password
        )
    return FolderMailer(settings.instance_path / "mail", mail.sender)


def build_canvas(
    engine: Engine,
    box: SecretBox,
    clock: Clock,
    roster: RosterService,
    uow_factory: UnitOfWorkFactory,
    decisions: DecisionService,
) -> tuple[SqlCanvasStore, CanvasConnector, CanvasService, CanvasFeedback]:
    """The Canvas REST parts; feedback comments hook into the decision's transaction."""
    store, connector = SqlCanvasStore(engine), CanvasConnector()
    canvas = CanvasService(store, connector, box, clock, roster, uow_factory)
    feedback = CanvasFeedback(canvas, connector, uow_factory)
    decisions.on_decided.append(feedback.on_decided)
    return store, connector, canvas, feedback


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: EvidenceStore | None = None,
    sniffer: ContentSniffer | None = None,
    engine: Engine | None = None,
) -> Container:
    """Wire the application for ``settings``. Keyword arguments replace single parts (tests)."""
    engine = engine or make_engine(settings.database_url)
    uow_factory = SqlUnitOfWorkFactory(make_session_factory(engine))
    clock = clock or SystemClock()
    store = store or build_store(settings)
    sniffer = sniffer or FiletypeSniffer()
    policy = ReviewPolicy(
        blind_review=settings.blind_review_default,
        double_review=settings.double_review_default,
        attempt_cap=settings.default_attempt_cap,
        max_upload_bytes=settings.max_upload_bytes,
        review_days=settings.review_days,
    )
    box = SecretBox.from_settings(settings)
    platforms = PlatformService(uow_factory, clock)
    tool_keys = ToolKeyService(uow_factory, clock, box)
    lti = LtiAdapter(
        uow_factory,
        clock,
        launch_url=f"{settings.base_url}/lti/launch",
        deployment_seen=platforms.deployment_seen,
        launch_states=SqlLaunchStateTransactionFactory(engine),
    )
    platforms.on_change(lti.platforms.clear)
    service_tokens = ServiceTokenClient(tool_keys, clock, lti.http)
    keyring = IssuerKeyRing(uow_factory, box, settings.base_url)
    proofs = BadgeProofs(keyring)
    baker = Baker()
    credentials = CredentialService(
        uow_factory, clock, proofs, settings.base_url, default_issuer_name=settings.issuer_name
    )
    stacks = StackAwardService(uow_factory, clock, credentials)
    credentials.on_issued.append(stacks.on_issued)
    mailer = build_mailer(settings)
    people = PeopleService(uow_factory, clock)
    roster_policy = RosterPolicy(
        deactivation_threshold=settings.roster_deactivation_percent / 100,
        employee_id_field=settings.roster_employee_id_field,
    )

    def roster_stores() -> SqlRosterStore:
        return SqlRosterStore(engine)

    linker = IdentityLinker(roster_stores, people, clock, roster_policy.employee_id_field)
    roster = RosterService(roster_stores, linker, clock, roster_policy)
    roster_http = HttpClient()
    decisions = DecisionService(uow_factory, clock, policy)
    evidence = EvidenceService(uow_factory, clock, store, sniffer, policy)
    canvas_store, canvas_connector, canvas, canvas_feedback = build_canvas(
        engine, box, clock, roster, uow_factory, decisions
    )
    spool = LocalUploadSpool(settings.instance_path / "uploads")
    credit = CreditService(uow_factory, clock, CreditRuleFiles(settings.credit_rules_path))
    stipends = StipendService(uow_factory, clock)
    decisions.on_decided += [credit.on_decided, stipends.on_decided]
    # Deliveries carry the award's credit lines and its stipend amount from the ledger.
    pdms, retry = PdmsAdapters(), RetryPolicy()
    sources = ItemSources(credit, stipends, settings.issuer_name)
    links = CredentialLinks(credentials.issue_for_award, settings.base_url)
    delivery = DeliveryService(uow_factory, clock, pdms, box, sources, links, retry.max_attempts)
    decisions.on_decided.append(delivery.on_decided)
    # A revocation takes back the award's credit and stipend and tells every target, all in its
    # own transaction; each hook is given who revoked, for its audit entries.
    credentials.on_revoked += [
        credit.on_revoked,
        stipends.on_revoked,
        delivery.on_revoked,
    ]
    cohorts = CohortService(uow_factory, clock)
    nrps, ags = NrpsClient(service_tokens, lti.http), AgsClient(service_tokens, lti.http, clock)
    members = NrpsMemberReader(nrps, settings.nrps_page_cap)
    grades = GradePassbackService(uow_factory, clock, AgsGradePoster(ags), settings.base_url)
    decisions.on_decided.append(grades.on_decided)
    credentials.on_stored.append(grades.on_stored)
    course_syncs = CourseSyncService(uow_factory, clock, members, cohorts)
    consumers = {
        AWARDED_TOPIC: credentials.consume_awarded,
        COMMENT_TOPIC: canvas_feedback.consume,
        SYNC_TOPIC: canvas.consume_sync,
        SCORE_TOPIC: grades.consume_score,
        NRPS_SYNC_TOPIC: course_syncs.consume,
    }
    roster_sync = RosterSyncService(
        roster_stores, roster, box, OneRosterSources(roster_http), clock
    )
    scheduler = RosterScheduler(
        lambda: SqlRosterSchedules(engine), roster_sync, roster, clock, worker_name()
    )
    roster_sync.on_added.append(scheduler.add)
    return Container(
        settings=settings,
        engine=engine,
        uow_factory=uow_factory,
        clock=clock,
        store=store,
        policy=policy,
        catalog=CatalogService(uow_factory, clock),
        people=people,
        submissions=SubmissionService(uow_factory, clock, policy),
        evidence=evidence,
        reviews=ReviewService(uow_factory, clock, policy),
        decisions=decisions,
        audit=AuditService(uow_factory),
        secrets=box,
        tool_keys=tool_keys,
        platforms=platforms,
        lti=lti,
        launches=LaunchService(uow_factory, clock, settings.nrps_sync_minutes * 60),
        deep_links=DeepLinkResponder(tool_keys, clock, f"{settings.base_url}/lti/launch"),
        service_tokens=service_tokens,
        nrps=nrps,
        ags=ags,
        keyring=keyring,
        proofs=proofs,
        badge_baker=baker,
        credentials=credentials,
        stacks=stacks,
        verification=VerificationService(uow_factory, clock, proofs, baker, settings.base_url),
        mailer=mailer,
        sharing=SharingService(uow_factory, clock, credentials, mailer),
        worker=OutboxWorker(
            uow_factory,
            clock,
            consumers,
            retry,
            periodic=[scheduler.run_due, canvas.schedule_due],
            batch_consumers={DELIVERY_TOPIC: delivery.consume_batch},
        ),
        roster=roster,
        roster_sync=roster_sync,
        roster_schedule=scheduler,
        roster_answers=RosterAnswers(
            roster_stores, people, uow_factory, clock, roster_policy.employee_id_field
        ),
        roster_lms=LmsRosterService(roster_stores, roster, NrpsCourseRoster(nrps), clock),
        roster_http=roster_http,
        registrar=DynamicRegistrar(lti.http, platforms, settings.base_url),
        role_overrides=RoleOverrideService(uow_factory, clock),
        cohorts=cohorts,
        canvas=canvas,
        canvas_evidence=CanvasEvidence(
            canvas, canvas_connector, canvas_store, evidence, clock, policy
        ),
        canvas_connector=canvas_connector,
        dashboards=DashboardService(SqlDashboardQueries(engine), clock, policy),
        organizations=OrganizationService(uow_factory, clock),
        uploads=ChunkedUploads(SqlUploadSessions(engine), spool, evidence, clock, policy),
        credit=credit,
        credit_admin=CreditAdminService(uow_factory, clock, credit.rules),
        stipends=stipends,
        payroll=PayrollService(uow_factory, clock),
        delivery=delivery,
        delivery_admin=DeliveryAdmin(
            uow_factory, clock, box, delivery, sources, links, certificate_pdf
        ),
        pdms=pdms,
        members=members,
        grade_passback=grades,
        course_syncs=course_syncs,
    )
