"""Typed ORM models. Import :data:`Base` for the metadata Alembic compares against."""

from lti_tool.db.models.badges import (
    IssuedCredentialRow,
    IssuerKeyRow,
    IssuerProfileRow,
    StackAwardRow,
)
from lti_tool.db.models.base import Base
from lti_tool.db.models.catalog import CredentialRow, CredentialVersionRow, StackRow
from lti_tool.db.models.events import AuditEntryRow, OutboxEventRow
from lti_tool.db.models.lti import (
    DeploymentRow,
    LaunchStateRow,
    PlatformRegistrationRow,
    ToolKeyRow,
    UsedNonceRow,
)
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

__all__ = [
    "ROSTER_TABLES",
    "AuditEntryRow",
    "AwardRow",
    "Base",
    "CredentialRow",
    "CredentialVersionRow",
    "DecisionRow",
    "DeploymentRow",
    "EvidenceFileRow",
    "ExternalIdentityRow",
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
    "SubmissionRow",
    "ToolKeyRow",
    "UsedNonceRow",
    "roster_bookmarks",
    "roster_match_questions",
    "roster_providers",
    "roster_reports",
    "roster_schedules",
]
