"""Pure translation between a delivery item and Ed-Fi ODS/API JSON (Data Standard 6, DOMAIN.md §5).

An award becomes a ``professionalDevelopmentEvent`` (one per credential: namespace and a
deterministic 60-character title are its key, integer ``totalHours``) and a
``professionalDevelopmentEventAttendance`` of the educator on the award's date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypedDict

from lti_tool.domain.delivery import DeliveryItem, integer_hours, title_key

EVENTS = "professionalDevelopmentEvents"
ATTENDANCES = "professionalDevelopmentEventAttendances"
OFFERED_BY = "uri://ed-fi.org/ProfessionalDevelopmentOfferedByDescriptor#{}"
SOURCE_SYSTEM = "uri://ed-fi.org/SourceSystemDescriptor#{}"
ATTENDED = "uri://ed-fi.org/AttendanceEventCategoryDescriptor#In Attendance"
MIN_DATA_MODEL = 5
"""Data models before 5 keep PD events in the TPDM extension only, without personReference."""


class EventReference(TypedDict):
    namespace: str
    professionalDevelopmentTitle: str


class PersonReference(TypedDict):
    personId: str
    sourceSystemDescriptor: str


class EventPayload(TypedDict):
    namespace: str
    professionalDevelopmentTitle: str
    professionalDevelopmentOfferedByDescriptor: str
    totalHours: int
    multipleSession: bool


class AttendancePayload(TypedDict):
    professionalDevelopmentEventReference: EventReference
    personReference: PersonReference
    attendanceDate: str
    attendanceEventCategoryDescriptor: str


@dataclass(frozen=True)
class Discovery:
    """What the API root says: versions, and where the data and OAuth endpoints are."""

    api_version: str
    data_model: str
    data_url: str
    """The resource root, ending in ``/`` and the project (``.../data/v3/ed-fi/``)."""
    oauth_url: str


def discovery(document: dict[str, Any], base_url: str) -> Discovery:
    """Read the ODS/API root document; raises ValueError when it is not one we can use."""
    models = {
        str(model.get("name")): str(model.get("version", ""))
        for model in document.get("dataModels", [])
        if isinstance(model, dict)
    }
    version = models.get("Ed-Fi", "")
    if not version:
        raise ValueError("the API root lists no Ed-Fi data model")
    major = int(version.split(".")[0] or 0)
    if major < MIN_DATA_MODEL:
        raise ValueError(f"Ed-Fi data model {version} is older than {MIN_DATA_MODEL}.0")
    urls = document.get("urls", {})
    data = str(urls.get("dataManagementApi") or f"{base_url}/data/v3/")
    oauth = str(urls.get("oauth") or f"{base_url}/oauth/token")
    return Discovery(str(document.get("version", "")), version, data.rstrip("/") + "/ed-fi/", oauth)


def event_payload(
    item: DeliveryItem, namespace: str, offered_by: str, rounding: str
) -> EventPayload:
    return {
        "namespace": namespace,
        "professionalDevelopmentTitle": title_key(item.credential_title),
        "professionalDevelopmentOfferedByDescriptor": OFFERED_BY.format(offered_by),
        "totalHours": integer_hours(item.clock_hours, rounding),
        "multipleSession": False,
    }


def attendance_payload(item: DeliveryItem, namespace: str, source_system: str) -> AttendancePayload:
    return {
        "professionalDevelopmentEventReference": {
            "namespace": namespace,
            "professionalDevelopmentTitle": title_key(item.credential_title),
        },
        "personReference": {
            "personId": item.educator_id,
            "sourceSystemDescriptor": SOURCE_SYSTEM.format(source_system),
        },
        "attendanceDate": item.awarded_at.date().isoformat(),
        "attendanceEventCategoryDescriptor": ATTENDED,
    }


def attendance_query(payload: AttendancePayload) -> dict[str, str]:
    """Query parameters that find one attendance by its natural key."""
    event = payload["professionalDevelopmentEventReference"]
    return {
        "namespace": event["namespace"],
        "professionalDevelopmentTitle": event["professionalDevelopmentTitle"],
        "personId": payload["personReference"]["personId"],
        "attendanceDate": payload["attendanceDate"],
    }


def resource_id(location: str | None) -> str | None:
    """The id at the end of a ``Location`` header."""
    return location.rstrip("/").rsplit("/", 1)[-1] if location else None


def problem_text(body: str) -> str:
    """RFC 9457 problem details in one line: title, detail and each validation error."""
    try:
        problem = json.loads(body)
    except ValueError:
        return body[:500]
    if not isinstance(problem, dict):
        return body[:500]
    parts = [str(problem[key]) for key in ("title", "detail") if problem.get(key)]
    errors = problem.get("validationErrors") or {}
    if isinstance(errors, dict):
        for field, messages in errors.items():
            listed = messages if isinstance(messages, list) else [messages]
            parts += [f"{field}: {message}" for message in listed]
    parts += [str(error) for error in problem.get("errors") or [] if error]
    return "; ".join(parts)


def is_unresolved_reference(status: int | None, body: str) -> bool:
    """The 409 an ODS/API gives when the referenced event does not exist yet."""
    if status != 409:
        return False
    try:
        problem = json.loads(body)
    except ValueError:
        return "reference" in body.lower()
    text = (
        f"{problem.get('type', '')} {problem.get('detail', '')}"
        if isinstance(problem, dict)
        else ""
    )
    return "unresolved-reference" in text or "reference" in text.lower()
