"""HTTP for the webhook target: one signed POST."""

from __future__ import annotations

import requests

from connectors.http import HttpClient


class WebhookClient:
    def __init__(self, http: HttpClient, url: str) -> None:
        self._http = http
        self.url = url

    def __repr__(self) -> str:
        return f"WebhookClient({self.url.split('?', 1)[0]!r})"

    def post(self, raw: bytes, headers: dict[str, str]) -> requests.Response:
        """``POST <url>`` with the signed JSON body."""
        return self._http.request("POST", self.url, headers=headers, content=raw)
