"""HTTP for a SIF 3 REST zone: create, read and delete single objects as XML."""

from __future__ import annotations

import requests

from connectors.http import HttpClient

XML = "application/xml"


class SifClient:
    def __init__(self, http: HttpClient, url: str, username: str = "", password: str = "") -> None:
        self._http = http
        self.url = url.rstrip("/")
        self._auth = (username, password) if username else None

    def __repr__(self) -> str:
        return f"SifClient({self.url!r})"

    def create(self, objects: str, raw: bytes, request_id: str) -> requests.Response:
        """``POST /{objects}/{object}``: create one object (SIF 3 single create)."""
        headers = {"Content-Type": XML, "Accept": XML, "requestId": request_id,
                   "messageType": "REQUEST", "requestType": "IMMEDIATE"}  # fmt: skip
        return self._http.request(
            "POST",
            f"{self.url}/{objects}/{objects[:-1]}",
            headers=headers,
            content=raw,
            auth=self._auth,
        )

    def read(self, objects: str, ref_id: str) -> requests.Response:
        """``GET /{objects}/{RefId}``."""
        return self._http.request(
            "GET", f"{self.url}/{objects}/{ref_id}", headers={"Accept": XML}, auth=self._auth
        )

    def delete(self, objects: str, ref_id: str) -> requests.Response:
        """``DELETE /{objects}/{RefId}``."""
        return self._http.request("DELETE", f"{self.url}/{objects}/{ref_id}", auth=self._auth)
