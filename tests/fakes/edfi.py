"""A fake Ed-Fi ODS/API on 127.0.0.1: discovery, OAuth2 client credentials with expiring tokens,
Data Standard PD events and attendances with shape and descriptor checks, 409 for a missing
event, RFC 9457 problem details, and injected 429/500/stalls (``fail_next``)."""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.fakes.loopback import LoopbackApp

OFFERED_BY = {
    "uri://ed-fi.org/ProfessionalDevelopmentOfferedByDescriptor#Professional Development Provider",
    "uri://ed-fi.org/ProfessionalDevelopmentOfferedByDescriptor#State",
}
SOURCE_SYSTEMS = {"uri://ed-fi.org/SourceSystemDescriptor#District"}
CATEGORIES = {"uri://ed-fi.org/AttendanceEventCategoryDescriptor#In Attendance"}
DATA = "/data/v3/ed-fi/"


def problem(
    status: int,
    title: str,
    detail: str,
    kind: str = "urn:ed-fi:api:bad-request",
    errors: dict[str, list[str]] | None = None,
) -> Response:
    body = {"type": kind, "title": title, "status": status, "detail": detail}
    if errors:
        body["validationErrors"] = errors
    return Response(json.dumps(body), status=status, content_type="application/problem+json")


class FakeEdFi(LoopbackApp):
    def __init__(
        self, client_id: str = "district", client_secret: str = "s3cret", token_life: int = 1800
    ) -> None:
        super().__init__()
        self.client_id, self.client_secret, self.token_life = client_id, client_secret, token_life
        self.tokens: dict[str, float] = {}
        self.events: dict[tuple[str, str], dict[str, Any]] = {}
        self.attendances: dict[str, dict[str, Any]] = {}
        self.data_model = "6.0.0"

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    def handle(self, request: Request) -> Response:
        if request.path == "/":
            return Response(
                json.dumps(
                    {
                        "version": "7.3",
                        "dataModels": [{"name": "Ed-Fi", "version": self.data_model}],
                        "urls": {
                            "dataManagementApi": f"{self.base_url}/data/v3/",
                            "oauth": f"{self.base_url}/oauth/token",
                        },
                    }
                ),
                content_type="application/json",
            )
        if request.path == "/oauth/token":
            return self._token(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self.lock:
            expires = self.tokens.get(token)
        if expires is None or expires < time.time():
            return problem(
                401, "Unauthorized", "Invalid or expired token", "urn:ed-fi:api:security"
            )
        resource = request.path.removeprefix(DATA)
        if resource == "professionalDevelopmentEvents" and request.method == "POST":
            return self._event(request.get_json(force=True))
        if resource == "professionalDevelopmentEventAttendances":
            if request.method == "POST":
                return self._attendance(request.get_json(force=True))
            return self._find(request.args)
        if resource.startswith("professionalDevelopmentEventAttendances/"):
            with self.lock:
                gone = self.attendances.pop(resource.rsplit("/", 1)[1], None)
            return Response(status=204 if gone else 404)
        return problem(404, "Not Found", f"No resource {resource}")

    def _token(self, request: Request) -> Response:
        basic = request.headers.get("Authorization", "").removeprefix("Basic ")
        given = base64.b64decode(basic).decode() if basic else ""
        if request.form.get("grant_type") != "client_credentials" or given != (
            f"{self.client_id}:{self.client_secret}"
        ):
            return Response(json.dumps({"error": "invalid_client"}), status=401)
        token = secrets.token_hex(16)
        with self.lock:
            self.tokens[token] = time.time() + self.token_life
        answer = {"access_token": token, "expires_in": self.token_life, "token_type": "bearer"}
        return Response(json.dumps(answer), content_type="application/json")

    def _event(self, body: dict[str, Any]) -> Response:
        errors: dict[str, list[str]] = {}
        title = body.get("professionalDevelopmentTitle")
        if not isinstance(title, str) or not 0 < len(title) <= 60:
            errors["professionalDevelopmentTitle"] = ["is required, at most 60 characters"]
        if not str(body.get("namespace", "")).startswith("uri://"):
            errors["namespace"] = ["must be a uri:// namespace"]
        if body.get("professionalDevelopmentOfferedByDescriptor") not in OFFERED_BY:
            errors["professionalDevelopmentOfferedByDescriptor"] = ["unknown descriptor"]
        if not isinstance(body.get("totalHours"), int):
            errors["totalHours"] = ["must be an integer"]
        if errors:
            return problem(400, "Data Validation Failed", "The request is invalid.", errors=errors)
        key = (str(body["namespace"]), str(title))
        with self.lock:
            existed = key in self.events
            self.events[key] = body
        return Response(status=200 if existed else 201)

    def _attendance(self, body: dict[str, Any]) -> Response:
        event = body.get("professionalDevelopmentEventReference") or {}
        person = body.get("personReference") or {}
        errors: dict[str, list[str]] = {}
        if not person.get("personId"):
            errors["personReference.personId"] = ["is required"]
        if person.get("sourceSystemDescriptor") not in SOURCE_SYSTEMS:
            errors["personReference.sourceSystemDescriptor"] = ["unknown descriptor"]
        if body.get("attendanceEventCategoryDescriptor") not in CATEGORIES:
            errors["attendanceEventCategoryDescriptor"] = ["unknown descriptor"]
        if len(str(body.get("attendanceDate", ""))) != 10:
            errors["attendanceDate"] = ["must be a date"]
        if errors:
            return problem(400, "Data Validation Failed", "The request is invalid.", errors=errors)
        key = (str(event.get("namespace")), str(event.get("professionalDevelopmentTitle")))
        natural = (*key, str(person["personId"]), str(body["attendanceDate"]))
        with self.lock:
            if key not in self.events:
                return problem(
                    409,
                    "Unresolved Reference",
                    "The referenced 'ProfessionalDevelopmentEvent' resource does not exist.",
                    "urn:ed-fi:api:conflict:unresolved-reference",
                )
            for resource_id, held in self.attendances.items():
                if held["natural"] == natural:
                    held["body"] = body
                    return Response(status=200, headers={"Location": self._loc(resource_id)})
            resource_id = uuid.uuid4().hex
            self.attendances[resource_id] = {"natural": natural, "body": body}
        return Response(status=201, headers={"Location": self._loc(resource_id)})

    def _loc(self, resource_id: str) -> str:
        return f"{self.base_url}{DATA}professionalDevelopmentEventAttendances/{resource_id}"

    def _find(self, args: Any) -> Response:
        natural = (
            args.get("namespace"),
            args.get("professionalDevelopmentTitle"),
            args.get("personId"),
            args.get("attendanceDate"),
        )
        with self.lock:
            found = [
                {"id": rid, **held["body"]}
                for rid, held in self.attendances.items()
                if held["natural"] == natural
            ]
        return Response(json.dumps(found), content_type="application/json")
