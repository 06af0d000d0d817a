"""The AGS and NRPS clients as the ports the outbox consumers use.

Service errors become delivery errors the outbox worker understands: a platform that is
unreachable, overloaded or failing (5xx, 429) is :class:`RetryLater` (with its ``Retry-After``);
any other refusal is :class:`DeliveryRefused`, kept as a dead letter with the platform's answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lti_tool.domain.errors import DeliveryRefused, RetryLater
from lti_tool.domain.lti import PlatformRegistration
from lti_tool.domain.lti_services import CourseMember, ScoreAnswer, ScoreOutcome
from lti_tool.lti.ags import DEFAULT_TAG, AgsClient
from lti_tool.lti.nrps import NrpsClient
from lti_tool.lti.service_tokens import RetriableServiceError, ServiceError, is_retriable

ACTIVE = "active"


@contextmanager
def delivery_errors() -> Iterator[None]:
    """Raise service errors again as the outbox's delivery errors."""
    try:
        yield
    except RetriableServiceError as error:
        raise RetryLater(error.message, retry_after=error.retry_after) from error
    except ServiceError as error:
        if error.status is not None and is_retriable(error.status):
            raise RetryLater(error.message) from error
        raise DeliveryRefused(error.message) from error


class AgsGradePoster:
    """:class:`~lti_tool.ports_lti.GradePoster` over :class:`AgsClient`."""

    def __init__(self, client: AgsClient) -> None:
        self._client = client

    def line_item(
        self,
        registration: PlatformRegistration,
        lineitems_url: str,
        *,
        resource_link_id: str,
        resource_id: str,
        label: str,
        tag: str = DEFAULT_TAG,
    ) -> str:
        with delivery_errors():
            return self._client.find_or_create_line_item(
                registration,
                lineitems_url,
                resource_link_id=resource_link_id,
                resource_id=resource_id,
                label=label,
                tag=tag,
            ).id

    def post_score(
        self,
        registration: PlatformRegistration,
        line_item_url: str,
        *,
        user_id: str,
        outcome: ScoreOutcome,
        badge_url: str | None,
        new_submission: bool,
        progress: tuple[int, int] | None = None,
    ) -> ScoreAnswer:
        with delivery_errors():
            result = self._client.post_score(
                registration,
                line_item_url,
                user_id=user_id,
                outcome=outcome,
                badge_url=badge_url,
                new_submission=new_submission,
                progress=progress,
            )
        return ScoreAnswer(result.status, result.http_status, result.detail)


class NrpsMemberReader:
    """:class:`~lti_tool.ports_lti.MemberReader` over :class:`NrpsClient`."""

    def __init__(self, client: NrpsClient, page_cap: int = 100) -> None:
        self._client = client
        self._page_cap = page_cap

    def members(
        self, registration: PlatformRegistration, memberships_url: str
    ) -> list[CourseMember]:
        with delivery_errors():
            members = self._client.members(registration, memberships_url, page_cap=self._page_cap)
        return [
            CourseMember(
                member.user_id,
                member.roles,
                member.name or " ".join(filter(None, (member.given_name, member.family_name))),
                member.email,
                (member.status or "Active").casefold() == ACTIVE,
            )
            for member in members
        ]
