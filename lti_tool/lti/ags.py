"""Assignment and Grade Services 2.0: a line item per resource link, and scores on it.

When a credential is awarded, the tool finds (or creates) the line item for the resource link the
learner launched from and posts a completed, fully graded score; on Canvas the score carries the
``https://canvas.instructure.com/lti/submission`` extension so the badge's URL shows as the
learner's submission. A submission returned for resubmission posts a pending score. A stack's
link gets a score in progress (the fraction of its credentials earned, grading pending) until the
stack credential is issued.

Failures say what to do next:
- a score refused because the person is not a student there (Canvas: 422) is a
  :class:`ScoreResult` with status ``not_a_student``: recorded by the caller, never retried;
- a platform that is down, overloaded (5xx, 429) or unreachable raises
  :class:`RetriableServiceError` (``retriable`` is True): try again later;
- any other refusal raises :class:`~lti_tool.lti.service_tokens.ServiceError`: retrying will
  not help. Messages carry the platform's status and reason, never an access token.
A 401 drops the cached token and tries once more with a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Literal, get_args
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import requests

from lti_tool.domain.lti import PlatformRegistration
from lti_tool.domain.lti_services import CREDENTIAL_TAG, ScoreOutcome
from lti_tool.lti.service_tokens import (
    RetriableServiceError,
    ServiceError,
    ServiceTokenClient,
    is_retriable,
    retry_after,
)
from lti_tool.platforms import behaviour_for
from lti_tool.ports import Clock

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
DEFAULT_TAG = CREDENTIAL_TAG
DEFAULT_PAGE_CAP = 50
MAX_BODY_IN_ERROR = 200

ScoreStatus = Literal["posted", "not_a_student"]


@dataclass(frozen=True)
class LineItem:
    """An AGS line item (a gradebook column) as the platform reports it."""

    id: str
    """The line item's URL; scores go to ``{id}/scores``."""
    label: str
    score_maximum: float
    resource_id: str | None
    resource_link_id: str | None


@dataclass(frozen=True)
class ScoreResult:
    """What became of a score POST that did not raise."""

    status: ScoreStatus
    """``posted``, or ``not_a_student``: the platform refused the score because the person is
    not a student of the course. Record it; never retry it."""
    http_status: int
    detail: str | None = None
    """The platform's reason for a ``not_a_student`` refusal."""


def scores_url(line_item_id: str) -> str:
    """``{line_item_id}/scores``, with ``/scores`` added to the path: a query string (or a
    trailing slash) on the line item id stays where it belongs."""
    parts = urlsplit(line_item_id)
    return parts._replace(path=parts.path.rstrip("/") + "/scores").geturl()


def with_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` added to its query; the rest of the URL is kept byte for byte."""
    parts = urlsplit(url)
    present = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    extra = urlencode({k: v for k, v in params.items() if k not in present})
    if not extra:
        return url
    query = f"{parts.query}&{extra}" if parts.query else extra
    return parts._replace(query=query).geturl()


def line_item_from(entry: Mapping[str, Any]) -> LineItem | None:
    """A :class:`LineItem` from a line item JSON object; None when it has no id."""
    item_id = entry.get("id")
    if not isinstance(item_id, str) or not item_id:
        return None
    maximum = entry.get("scoreMaximum")
    label = entry.get("label")
    resource_id = entry.get("resourceId")
    resource_link_id = entry.get("resourceLinkId")
    return LineItem(
        id=item_id,
        label=label if isinstance(label, str) else "",
        score_maximum=(
            float(maximum)
            if isinstance(maximum, int | float) and not isinstance(maximum, bool)
            else 0.0
        ),
        resource_id=str(resource_id) if resource_id is not None else None,
        resource_link_id=str(resource_link_id) if resource_link_id is not None else None,
    )


def _platform_message(response: requests.Response, token: str) -> str:
    """The platform's reason for a refusal, clipped, with the access token masked."""
    try:
        body = response.json()
    except ValueError:
        body = None
    text: Any = None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, dict):
            text = errors.get("message")
        elif isinstance(errors, list) and errors:
            first = errors[0]
            text = first.get("message") if isinstance(first, dict) else first
        text = text or body.get("message") or body.get("error_description") or body.get("error")
    if not isinstance(text, str) or not text:
        text = response.text
    text = text.replace(token, "[token]") if token else text
    text = text[:MAX_BODY_IN_ERROR]
    return text or "no reason given"


class AgsClient:
    """Finds or creates line items and posts scores with service tokens for the AGS scopes
    (``lineitem`` for line items, ``score`` for scores; tokens are cached per registration, so
    two institutions under one issuer never share one).

    Args:
        tokens: service tokens, cached per registration and scope.
        http: the session AGS requests go through.
        clock: the time stamped on scores.
    """

    def __init__(self, tokens: ServiceTokenClient, http: requests.Session, clock: Clock) -> None:
        self._tokens = tokens
        self._http = http
        self._clock = clock

    def find_or_create_line_item(
        self,
        registration: PlatformRegistration,
        lineitems_url: str,
        *,
        resource_link_id: str | None,
        resource_id: str,
        label: str,
        score_maximum: float = 1,
        tag: str = DEFAULT_TAG,
        page_cap: int = DEFAULT_PAGE_CAP,
    ) -> LineItem:
        """The line item at ``lineitems_url`` (the launch's AGS ``lineitems`` URL) whose
        ``resourceId`` (and ``resourceLinkId``, when given) match; a new one when none does.

        Raises:
            RetriableServiceError: the platform was unreachable, overloaded or failing.
            ServiceError: the platform refused, answered something unreadable, or its pages
                loop or run past ``page_cap``.
        """
        if page_cap < 1:
            raise ValueError("page_cap must be at least 1")
        existing = self._find(registration, lineitems_url, resource_link_id, resource_id, page_cap)
        if existing is not None:
            return existing
        body: dict[str, Any] = {
            "label": label,
            "scoreMaximum": score_maximum,
            "resourceId": resource_id,
            "tag": tag,
        }
        if resource_link_id is not None:
            body["resourceLinkId"] = resource_link_id
        response, token = self._tokens.send(
            registration,
            "POST",
            lineitems_url,
            SCOPE_LINEITEM,
            accept=LINEITEM_MEDIA,
            content_type=LINEITEM_MEDIA,
            body=body,
            what="the line item service",
        )
        self._raise_for_status(response, token, lineitems_url, "the line item service")
        created = self._json(response)
        item = line_item_from(created) if isinstance(created, dict) else None
        if item is None:
            raise ServiceError(
                f"The line item service at {lineitems_url} created a line item but answered "
                "without its id.",
                status=response.status_code,
            )
        return item

    def post_score(
        self,
        registration: PlatformRegistration,
        line_item_id: str,
        *,
        user_id: str,
        outcome: ScoreOutcome,
        badge_url: str | None = None,
        comment: str | None = None,
        new_submission: bool = True,
        progress: tuple[int, int] | None = None,
    ) -> ScoreResult:
        """Post ``user_id``'s score on the line item: ``awarded`` is 1 of 1, Completed and
        FullyGraded; ``pending`` (returned for resubmission) has no score, Submitted and
        Pending; ``in_progress`` is ``progress`` (given, maximum: credentials of a stack earned
        and required), InProgress and Pending. With ``badge_url``, the platform's score
        extension links the badge (Canvas: an ``online_url`` submission; ``new_submission``
        False when re-scoring).

        Returns:
            ``posted``, or ``not_a_student`` when the platform refused the score because the
            person is not a student there (record it; do not retry).

        Raises:
            RetriableServiceError: the platform was unreachable, overloaded or failing.
            ServiceError: any other refusal; retrying will not help.
        """
        if outcome not in get_args(ScoreOutcome):
            raise ValueError(f"outcome must be one of {get_args(ScoreOutcome)}, got {outcome!r}")
        behaviour = behaviour_for(registration.product_family)
        body: dict[str, Any] = {"userId": user_id}
        if outcome == "awarded":
            body.update(scoreGiven=1, scoreMaximum=1)
            body.update(activityProgress="Completed", gradingProgress="FullyGraded")
        elif outcome == "in_progress":
            if progress is None or not 0 <= progress[0] <= progress[1] or progress[1] < 1:
                raise ValueError(f"an in_progress score needs 0 <= given <= maximum: {progress}")
            body.update(scoreGiven=progress[0], scoreMaximum=progress[1])
            body.update(activityProgress="InProgress", gradingProgress="Pending")
        else:
            body.update(activityProgress="Submitted", gradingProgress="Pending")
        body["timestamp"] = self._clock.now().astimezone(UTC).isoformat(timespec="milliseconds")
        if comment:
            body["comment"] = comment
        if badge_url:
            body.update(behaviour.score_extension(badge_url, new_submission=new_submission))
        url = scores_url(line_item_id)
        what = "the score service"
        response, token = self._tokens.send(
            registration,
            "POST",
            url,
            SCOPE_SCORE,
            accept="application/json",
            content_type=SCORE_MEDIA,
            body=body,
            what=what,
        )
        status = response.status_code
        if 400 <= status < 500 and behaviour.is_non_student_score_refusal(status):
            return ScoreResult("not_a_student", status, _platform_message(response, token))
        self._raise_for_status(response, token, url, what)
        return ScoreResult("posted", status)

    # -- inside -------------------------------------------------------------------------------

    def _find(
        self,
        registration: PlatformRegistration,
        lineitems_url: str,
        resource_link_id: str | None,
        resource_id: str,
        page_cap: int,
    ) -> LineItem | None:
        params = {"resource_id": resource_id}
        if resource_link_id is not None:
            params["resource_link_id"] = resource_link_id
        url = with_query(lineitems_url, params)
        seen = {url}
        pages = 0
        while True:
            response, token = self._tokens.send(
                registration,
                "GET",
                url,
                SCOPE_LINEITEM,
                accept=LINEITEMS_MEDIA,
                what="the line item service",
            )
            self._raise_for_status(response, token, url, "the line item service")
            pages += 1
            entries = self._json(response)
            if not isinstance(entries, list):
                raise ServiceError(
                    f"The line item service answered {url} without a list of line items.",
                    status=response.status_code,
                )
            for entry in entries:
                item = line_item_from(entry) if isinstance(entry, Mapping) else None
                if (
                    item is not None
                    and item.resource_id == resource_id
                    and (resource_link_id is None or item.resource_link_id == resource_link_id)
                ):
                    return item
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return None
            next_url = urljoin(url, next_url)
            if next_url in seen:
                raise ServiceError(
                    f"The platform's line item pages loop: page {pages + 1} ({next_url}) was "
                    "already read."
                )
            if pages >= page_cap:
                raise ServiceError(
                    f"The line items of {lineitems_url} have more than {page_cap} pages (the "
                    "page cap); no line item was created, to avoid a duplicate."
                )
            seen.add(next_url)
            url = next_url

    @staticmethod
    def _raise_for_status(response: requests.Response, token: str, url: str, what: str) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        message = (
            f"{what.capitalize()} refused {response.request.method} {url} "
            f"(HTTP {status}): {_platform_message(response, token)}"
        )
        if is_retriable(status):
            raise RetriableServiceError(message, status=status, retry_after=retry_after(response))
        raise ServiceError(message, status=status)

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None
