"""Typed ORM models. Import :data:`Base` for the metadata Alembic compares against."""

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
from lti_tool.db.models.submissions import (
    AwardRow,
    DecisionRow,
    EvidenceFileRow,
    ReviewRow,
    SectionResponseRow,
    SubmissionRow,
)

__all__ = [
    "AuditEntryRow",
    "AwardRow",
    "Base",
    "CredentialRow",
    "CredentialVersionRow",
    "DecisionRow",
    "DeploymentRow",
    "EvidenceFileRow",
    "ExternalIdentityRow",
    "LaunchStateRow",
    "OrganizationRow",
    "OutboxEventRow",
    "PersonRow",
    "PlatformRegistrationRow",
    "ReviewRow",
    "RoleAssignmentRow",
    "RoleOverrideRow",
    "SectionResponseRow",
    "StackRow",
    "SubmissionRow",
    "ToolKeyRow",
    "UsedNonceRow",
]
