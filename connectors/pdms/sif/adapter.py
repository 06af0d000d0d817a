"""The SIF delivery target: the activity (once per credential), then the employee's credit.

A 409 on create means the zone has an object with that RefId already; it is read back and
counted as delivered only when it is the same employee and activity.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.http import HttpClient, HttpError
from connectors.pdms.errors import translate
from connectors.pdms.sif.client import SifClient
from connectors.pdms.sif.mapping import (
    ACTIVITIES,
    CREDITS,
    activity_xml,
    credit_xml,
    error_text,
    read_credit,
)
from lti_tool.domain.delivery import DeliveryAction, DeliveryItem, Receipt, TargetRefused


class SifTarget:
    """``DeliveryAdapter`` for a SIF 3 REST zone."""

    def __init__(self, client: SifClient) -> None:
        self.client = client

    @classmethod
    def build(
        cls, http: HttpClient, config: Mapping[str, str], secrets: Mapping[str, str]
    ) -> SifTarget:
        return cls(
            SifClient(http, config["url"], config.get("username", ""), secrets.get("password", ""))
        )

    def deliver(self, item: DeliveryItem) -> Receipt:
        try:
            if item.action is DeliveryAction.REVOKE:
                return self._revoke(item)
            return self._award(item)
        except HttpError as error:
            raise translate(error, error_text) from error

    def _create(self, objects: str, raw: bytes, request_id: str) -> int:
        try:
            return self.client.create(objects, raw, request_id).status_code
        except HttpError as error:
            if error.status == 409:
                return 409
            raise

    def _award(self, item: DeliveryItem) -> Receipt:
        self._create(ACTIVITIES, activity_xml(item), f"{item.idempotency_key}:activity")
        status = self._create(CREDITS, credit_xml(item), item.idempotency_key)
        if status != 409:
            return Receipt(status, "employee credit created", item.idempotency_key)
        held = read_credit(self.client.read(CREDITS, item.idempotency_key).content)
        if held["employee_id"] != item.educator_id or held["ref_id"] != item.idempotency_key:
            raise TargetRefused(
                f"The zone holds {item.idempotency_key} for another employee.", status=409
            )
        return Receipt(409, "employee credit held already", item.idempotency_key, True)

    def _revoke(self, item: DeliveryItem) -> Receipt:
        ref = item.award_key or item.idempotency_key
        try:
            response = self.client.delete(CREDITS, ref)
        except HttpError as error:
            if error.status == 404:
                return Receipt(404, "employee credit not held", ref, already_there=True)
            raise
        return Receipt(response.status_code, "employee credit deleted", ref)

    def check(self) -> str:
        """``GET /employeeCredits/<unknown>``: 404 proves the zone answers and accepts us."""
        try:
            self.client.read(CREDITS, "00000000-0000-0000-0000-000000000000")
        except HttpError as error:
            if error.status == 404:
                return "zone answered (404 for an unknown credit)"
            raise translate(error, error_text) from error
        return "zone answered"

    def holds(self, item: DeliveryItem) -> bool | None:
        try:
            self.client.read(CREDITS, item.idempotency_key)
        except HttpError as error:
            if error.status == 404:
                return False
            raise translate(error, error_text) from error
        return True
