"""The Ed-Fi delivery target: upserts the event and the educator's attendance.

The attendance goes first; a 409 "unresolved reference" means the event is missing, so it is
created and the attendance sent again. POST is an upsert on the natural key, so a repeat of a
delivery changes nothing (an answer of 200 says it was there already).
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.http import HttpClient, HttpError
from connectors.pdms.edfi.client import EdFiClient
from connectors.pdms.edfi.mapping import (
    ATTENDANCES,
    EVENTS,
    attendance_payload,
    attendance_query,
    event_payload,
    is_unresolved_reference,
    problem_text,
    resource_id,
)
from connectors.pdms.errors import translate
from lti_tool.domain.delivery import DeliveryAction, DeliveryItem, Receipt, TargetRefused


class EdFiTarget:
    """``DeliveryAdapter`` for an Ed-Fi ODS/API."""

    def __init__(self, client: EdFiClient, config: Mapping[str, str]) -> None:
        self.client = client
        self._namespace = config["namespace"]
        self._rounding = config.get("hours_rounding") or "half_up"
        self._source_system = config.get("source_system") or "District"
        self._offered_by = config.get("offered_by") or "Professional Development Provider"

    @classmethod
    def build(
        cls, http: HttpClient, config: Mapping[str, str], secrets: Mapping[str, str]
    ) -> EdFiTarget:
        client = EdFiClient(http, config["base_url"], config["client_id"], secrets["client_secret"])
        return cls(client, config)

    def check(self) -> str:
        """Discovery and a token: ``GET /`` and ``POST /oauth/token``."""
        try:
            found = self.client.discover()
            self.client.token()
        except ValueError as error:
            raise TargetRefused(f"Not a usable Ed-Fi API: {error}") from error
        except HttpError as error:
            raise translate(error, problem_text) from error
        return f"Ed-Fi ODS/API {found.api_version}, data model {found.data_model}: token granted"

    def deliver(self, item: DeliveryItem) -> Receipt:
        try:
            if item.action is DeliveryAction.REVOKE:
                return self._revoke(item)
            return self._award(item)
        except ValueError as error:
            raise TargetRefused(f"Not a usable Ed-Fi API: {error}") from error
        except HttpError as error:
            raise translate(error, problem_text) from error

    def _award(self, item: DeliveryItem) -> Receipt:
        """``POST professionalDevelopmentEventAttendances`` (and ``...Events`` on a 409)."""
        attendance = attendance_payload(item, self._namespace, self._source_system)
        try:
            response = self.client.call("POST", ATTENDANCES, payload=attendance)
        except HttpError as error:
            if not is_unresolved_reference(error.status, error.body):
                raise
            event = event_payload(item, self._namespace, self._offered_by, self._rounding)
            self.client.call("POST", EVENTS, payload=event)
            response = self.client.call("POST", ATTENDANCES, payload=attendance)
        location = response.headers.get("Location")
        return Receipt(
            response.status_code,
            "attendance created" if response.status_code == 201 else "attendance updated",
            resource_id(location),
            already_there=response.status_code == 200,
        )

    def _find(self, item: DeliveryItem) -> list[str]:
        """``GET professionalDevelopmentEventAttendances?<natural key>``: matching ids."""
        query = attendance_query(attendance_payload(item, self._namespace, self._source_system))
        found = self.client.call("GET", ATTENDANCES, params=query).json()
        return [str(row["id"]) for row in found if isinstance(row, dict) and "id" in row]

    def _revoke(self, item: DeliveryItem) -> Receipt:
        """``DELETE professionalDevelopmentEventAttendances/{id}``; gone already is fine."""
        ids = self._find(item)
        for found in ids:
            self.client.call("DELETE", f"{ATTENDANCES}/{found}")
        if not ids:
            return Receipt(404, "attendance not held", None, already_there=True)
        return Receipt(204, f"attendance deleted ({len(ids)})", ids[0])

    def holds(self, item: DeliveryItem) -> bool | None:
        try:
            return bool(self._find(item))
        except HttpError as error:
            raise translate(error, problem_text) from error
