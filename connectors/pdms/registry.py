"""Delivery targets by name: the one place that knows every kind (wired in bootstrap)."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.http import HttpClient
from connectors.pdms.csv_export.adapter import CsvExportTarget
from connectors.pdms.edfi.adapter import EdFiTarget
from connectors.pdms.sif.adapter import SifTarget
from connectors.pdms.webhook.adapter import WebhookTarget
from lti_tool.ports_delivery import DeliveryAdapter

DELIVERY_TIMEOUT = (5.0, 30.0)


class PdmsAdapters:
    """``AdapterFactory``: ``edfi``, ``webhook``, ``sif``, ``csv_export``.

    HTTP goes through one shared client that does not retry by itself: the outbox worker owns
    retries (with backoff and Retry-After), so a slow target never holds a worker.
    """

    def __init__(self, http: HttpClient | None = None) -> None:
        self.http = http or HttpClient(max_attempts=1, timeout=DELIVERY_TIMEOUT)

    def __call__(
        self, kind: str, config: Mapping[str, str], secrets: Mapping[str, str]
    ) -> DeliveryAdapter:
        if kind == "edfi":
            return EdFiTarget.build(self.http, config, secrets)
        if kind == "webhook":
            return WebhookTarget.build(self.http, config, secrets)
        if kind == "sif":
            return SifTarget.build(self.http, config, secrets)
        if kind == "csv_export":
            return CsvExportTarget.build(config, secrets)
        raise ValueError(f"Unknown delivery target kind {kind!r}")

    def close(self) -> None:
        self.http.close()
