"""Typed ORM models. Import :data:`Base` for the metadata Alembic compares against."""

from lti_tool.db.models.badges import (
    IssuedCredentialRow,
    IssuerKeyRow,
    IssuerProfileRow,
    StackAwardRow,
)
from lti_tool.db.models.base import Base
from lti_tool.db.models.canvas import (
    CanvasConnectionRow,
    CanvasEvidenceOriginRow,
    CanvasGrantRow,
    CanvasLinkRow,
)
from lti_tool.db.models.catalog import CredentialRow, CredentialVersionRow, StackRow
from lti_tool.db.models.credit import (
    CreditLineRow,
    CreditOverrideRow,
    CreditSettingsRow,
    StipendBudgetRow,
    StipendEntryRow,
    StipendReviewRow,
    StipendRow,
)
from lti_tool.db.models.delivery import DeliveryRow, DeliveryTargetRow
from lti_tool.db.models.events import AuditEntryRow, OutboxEventRow
from lti_tool.db.models.lti import (
    DeploymentRow,
    LaunchStateRow,
    PlatformRegistrationRow,
    ToolKeyRow,
    UsedNonceRow,
)
from lti_tool.db.models.lti_services import CourseSyncRow, GradeLinkRow
from lti_tool.db.models.people import (
    ExternalIdentityRow,
    OrganizationRow,
    PersonRow,
    RoleAssignmentRow,
)
from lti_tool.db.models.role_overrides import RoleOverrideRow
from lti_tool.db.models.roster import (
    ROSTER_TABLES,
    roster_bookmarks,
    roster_match_questions,
    roster_providers,
    roster_reports,
    roster_schedules,
)
from lti_tool.db.models.submissions import (
    AwardRow,
    DecisionRow,
    EvidenceFileRow,
    ReviewRow,
    SectionResponseRow,
    SubmissionRow,
)
from lti_tool.db.models.uploads import UploadSessionRow

__all__ = [
    "ROSTER_TABLES",
    "AuditEntryRow",
    "AwardRow",
    "Base",
    "CanvasConnectionRow",
    "CanvasEvidenceOriginRow",
    "CanvasGrantRow",
    "CanvasLinkRow",
    "CourseSyncRow",
    "CredentialRow",
    "CredentialVersionRow",
    "CreditLineRow",
    "CreditOverrideRow",
    "CreditSettingsRow",
    "DecisionRow",
    "DeliveryRow",
    "DeliveryTargetRow",
    "DeploymentRow",
    "EvidenceFileRow",
    "ExternalIdentityRow",
    "GradeLinkRow",
    "IssuedCredentialRow",
    "IssuerKeyRow",
    "IssuerProfileRow",
    "LaunchStateRow",
    "OrganizationRow",
    "OutboxEventRow",
    "PersonRow",
    "PlatformRegistrationRow",
    "ReviewRow",
    "RoleAssignmentRow",
    "RoleOverrideRow",
    "SectionResponseRow",
    "StackAwardRow",
    "StackRow",
    "StipendBudgetRow",
    "StipendEntryRow",
    "StipendReviewRow",
    "StipendRow",
    "SubmissionRow",
    "ToolKeyRow",
    "UploadSessionRow",
    "UsedNonceRow",
    "roster_bookmarks",
    "roster_match_questions",
    "roster_providers",
    "roster_reports",
    "roster_schedules",
]
