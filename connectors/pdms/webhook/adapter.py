"""The webhook delivery target: a signed JSON POST per award or revocation.

A 409 whose body names the same idempotency key is the receiver saying it has this delivery
already: it counts as delivered. Any other 409 goes to a person.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping

from connectors.http import HttpClient, HttpError
from connectors.pdms.errors import translate
from connectors.pdms.webhook.client import WebhookClient
from connectors.pdms.webhook.mapping import body, encode, headers
from lti_tool.domain.delivery import DeliveryItem, Receipt


def _said(raw: str) -> dict[str, object]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class WebhookTarget:
    """``DeliveryAdapter`` for a signed JSON webhook."""

    def __init__(
        self, client: WebhookClient, secret: str, now: Callable[[], float] = time.time
    ) -> None:
        self.client = client
        self._secret = secret
        self._now = now

    def __repr__(self) -> str:
        return f"WebhookTarget({self.client!r})"

    @classmethod
    def build(
        cls, http: HttpClient, config: Mapping[str, str], secrets: Mapping[str, str]
    ) -> WebhookTarget:
        return cls(WebhookClient(http, config["url"]), secrets["secret"])

    def _post(self, document: dict[str, object], key: str, event: str) -> Receipt:
        raw = encode(document)
        sent = headers(self._secret, int(self._now()), raw, key, event)
        try:
            response = self.client.post(raw, sent)
        except HttpError as error:
            if error.status == 409 and _said(error.body).get("idempotency_key") == key:
                return Receipt(409, "the receiver holds it already", key, already_there=True)
            raise translate(error) from error
        return Receipt(response.status_code, response.text[:500] or "accepted", key)

    def deliver(self, item: DeliveryItem) -> Receipt:
        """``POST <url>`` (``credential.awarded`` / ``credential.revoked``)."""
        document = body(item)
        return self._post(document, item.idempotency_key, str(document["type"]))

    def check(self) -> str:
        """``POST <url>`` with a signed ``ping`` the receiver should accept."""
        receipt = self._post({"type": "ping", "at": int(self._now())}, "ping", "ping")
        return f"receiver answered {receipt.status_code}"

    def holds(self, item: DeliveryItem) -> bool | None:
        return None
