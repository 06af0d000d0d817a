"""A fake Canvas instance: a real werkzeug server on 127.0.0.1 that answers like Canvas does.

- REST under ``/api/v1`` with bearer tokens: the account token, or users' OAuth tokens from
  ``/login/oauth2/auth`` (approves at once and redirects with a code) and
  ``/login/oauth2/token`` (``authorization_code`` and ``refresh_token``; a refresh keeps the
  refresh token). ``expire_after`` makes every access token die after that many API requests
  (Canvas answers 401 ``Invalid access token``); ``revoke()`` makes refreshes fail.
- Listings page with ``per_page`` (capped at 100) and a ``Link`` header (current, next, first,
  last) like Canvas's.
- Throttling: a leaky bucket per token (``bucket`` units, draining ``leak`` a second, each
  request costing ``cost``), ``X-Request-Cost`` and ``X-Rate-Limit-Remaining`` on every answer,
  429 when it overflows (``legacy_403`` answers 403 "Rate Limit Exceeded" instead).
- Files: ``GET /api/v1/files/:id`` gives a ``url`` that redirects (302) to a signed URL on the
  "files host", which refuses requests that still carry an Authorization header.
- Submissions with attachments; submission comments recorded in ``comments``.
- ``faults``: what the next API requests get (``("500",)``, ``("429", seconds)``), in order.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from tests.fakes.serving import ServedInThread

ACCOUNT_TOKEN = "canvas-account-token"
CLIENT_ID = "170000000000042"
CLIENT_SECRET = "canvas-dev-key-secret"
ENROLLMENT_TYPES = {"teacher": "TeacherEnrollment", "student": "StudentEnrollment"}


def course_data(
    course_id: int = 101, students: int = 6, sections: int = 2, teachers: int = 1
) -> dict[str, Any]:
    """A course as Canvas holds it: sections, and users with SIS ids, logins, emails and
    enrollments (teachers first, then students spread over the sections)."""
    section_list = [
        {"id": course_id * 10 + n, "name": f"Period {n}", "course_id": course_id,
         "sis_section_id": f"SEC-{course_id}-{n}", "start_at": None, "end_at": None}
        for n in range(1, sections + 1)
    ]  # fmt: skip
    users = []
    for index in range(teachers + students):
        teacher = index < teachers
        user_id = 5000 + index
        section = section_list[index % sections]
        users.append({
            "id": user_id,
            "name": f"Teacher {index}" if teacher else f"Stu Dent{index}",
            "sortable_name": f"{'Teacher' if teacher else f'Dent{index}'}, "
                             f"{index if teacher else 'Stu'}",
            "short_name": f"T{index}" if teacher else f"Stu{index}",
            "sis_user_id": f"E{index:05d}" if teacher else (f"S{index:05d}" if index % 5 else None),
            "login_id": f"t{index}@riverbend.example" if teacher else f"s{index}",
            "email": f"teacher{index}@riverbend.example" if teacher else None,
            "created_at": "2026-08-01T12:00:00-06:00",
            "enrollments": [{
                "id": 90000 + index, "course_id": course_id, "course_section_id": section["id"],
                "user_id": user_id, "type": ENROLLMENT_TYPES["teacher" if teacher else "student"],
                "role": ENROLLMENT_TYPES["teacher" if teacher else "student"],
                "enrollment_state": "active", "updated_at": "2026-08-20T15:00:00Z",
            }],
        })  # fmt: skip
    course = {"id": course_id, "name": "Grade 9 Biology", "course_code": "BIO9",
              "account_id": 7, "sis_course_id": f"BIO9-{course_id}", "enrollment_term_id": 3,
              "workflow_state": "available"}  # fmt: skip
    return {"course": course, "sections": section_list, "users": users}


class FakeCanvas(ServedInThread):
    """``with FakeCanvas() as canvas: canvas.add_course(course_data())``."""

    def __init__(self, *, token_lifetime: int = 3600, per_page_cap: int = 100) -> None:
        self.courses: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.file_bytes: dict[str, bytes] = {}
        self.user_files: dict[str, list[str]] = {}
        self.course_files: dict[str, list[str]] = {}
        self.submissions: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.comments: dict[tuple[str, str, str], list[str]] = {}
        self.token_lifetime = token_lifetime
        self.per_page_cap = per_page_cap
        self.expire_after: int | None = None
        self.bucket, self.leak, self.cost = 700.0, 10.0, 1.0
        self.throttling = False
        self.legacy_403 = False
        self.faults: list[tuple[Any, ...]] = []
        self.requests_seen: list[tuple[str, str, float]] = []
        """(method, path, time) of every API request."""
        self.user_agents: set[str] = set()
        self.throttled = 0
        self.refreshes = 0
        self.downloads: list[str] = []
        """File ids whose bytes were fetched from the files host."""
        self.base_url = ""
        self._tokens: dict[str, dict[str, Any]] = {ACCOUNT_TOKEN: {"user": "1", "uses": 0}}
        self._refresh: dict[str, str] = {}
        self._codes: dict[str, str] = {}
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    # -- fixtures -----------------------------------------------------------------------------

    def add_course(self, data: dict[str, Any]) -> str:
        course_id = str(data["course"]["id"])
        self.courses[course_id] = data
        return course_id

    def add_file(self, name: str, content: bytes, content_type: str, *, owner: str | None = None,
                 course: str | None = None) -> str:  # fmt: skip
        file_id = str(700 + len(self.files))
        self.files[file_id] = {
            "id": int(file_id), "uuid": secrets.token_hex(8), "display_name": name,
            "filename": name.replace(" ", "+"), "content-type": content_type,
            "content_type": content_type, "size": len(content), "locked": False,
            "created_at": "2026-09-02T10:00:00Z", "updated_at": "2026-09-02T10:00:00Z",
        }  # fmt: skip
        self.file_bytes[file_id] = content
        if owner:
            self.user_files.setdefault(owner, []).append(file_id)
        if course:
            self.course_files.setdefault(course, []).append(file_id)
        return file_id

    def add_submission(self, course: str, assignment: str, user: str, files: list[str]) -> None:
        self.submissions[(course, assignment, user)] = {
            "id": 8000 + len(self.submissions), "assignment_id": int(assignment),
            "user_id": int(user), "workflow_state": "submitted", "submission_type": "online_upload",
            "attachments": [self._file_json(file_id) for file_id in files],
        }  # fmt: skip

    def user_token(self, user: str) -> tuple[str, str]:
        """Tokens as if ``user`` had authorised (access, refresh)."""
        return self._grant(user)

    def revoke(self) -> None:
        """Every refresh token stops working (the user revoked the integration)."""
        self._refresh.clear()

    def expire_all(self) -> None:
        for token in list(self._tokens):
            if token != ACCOUNT_TOKEN:
                del self._tokens[token]

    def api_requests(self, path_end: str = "") -> list[tuple[str, str, float]]:
        return [seen for seen in self.requests_seen if seen[1].endswith(path_end)]

    # -- the WSGI app ---------------------------------------------------------------------------

    def app(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        response = self._answer(Request(environ))
        return response(environ, start_response)  # type: ignore[no-any-return]

    def _answer(self, request: Request) -> Response:
        path = request.path
        if path == "/login/oauth2/auth":
            return self._authorize(request)
        if path == "/login/oauth2/token":
            return self._token(request)
        if path.startswith("/files-host/"):
            return self._files_host(request)
        if not path.startswith(("/api/v1/", "/files/")):
            return _json({"errors": [{"message": "The specified resource does not exist."}]}, 404)
        return self._api(request)

    def _grant(self, user: str) -> tuple[str, str]:
        access, refresh = secrets.token_hex(12), secrets.token_hex(12)
        with self._lock:
            self._tokens[access] = {"user": user, "uses": 0}
            self._refresh[refresh] = user
        return access, refresh

    def _authorize(self, request: Request) -> Response:
        if (
            request.args.get("client_id") != CLIENT_ID
            or request.args.get("response_type") != "code"
        ):
            return _json({"error": "invalid_client"}, 400)
        code = secrets.token_hex(8)
        self._codes[code] = request.args.get("login_as", "5000")
        query = urlencode({"code": code, "state": request.args.get("state", "")})
        return Response("", 302, {"Location": f"{request.args['redirect_uri']}?{query}"})

    def _token(self, request: Request) -> Response:
        form = request.form
        auth = request.authorization
        client_id = form.get("client_id") or (auth.username if auth else None)
        secret = form.get("client_secret") or (auth.password if auth else None)
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return _json({"error": "invalid_client"}, 401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            user = self._codes.pop(form.get("code", ""), None)
            if user is None:
                return _json({"error": "invalid_grant"}, 400)
            access, refresh = self._grant(user)
            body = {"access_token": access, "token_type": "Bearer", "refresh_token": refresh,
                    "expires_in": self.token_lifetime,
                    "user": {"id": int(user), "name": f"User {user}"}}  # fmt: skip
            return _json(body)
        if grant == "refresh_token":
            user = self._refresh.get(form.get("refresh_token", ""))
            if user is None:
                return _json({"error": "invalid_grant",
                              "error_description": "refresh_token not found"}, 400)  # fmt: skip
            access = secrets.token_hex(12)
            with self._lock:
                self._tokens[access] = {"user": user, "uses": 0}
                self.refreshes += 1
            body = {"access_token": access, "token_type": "Bearer",
                    "expires_in": self.token_lifetime,
                    "user": {"id": int(user), "name": f"User {user}"}}  # fmt: skip
            return _json(body)
        return _json({"error": "unsupported_grant_type"}, 400)

    def _user_for(self, request: Request) -> tuple[str | None, str]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self._lock:
            entry = self._tokens.get(token)
            if entry is None:
                return None, token
            entry["uses"] += 1
            if (
                self.expire_after is not None
                and token != ACCOUNT_TOKEN
                and (entry["uses"] > self.expire_after)
            ):
                del self._tokens[token]
                return None, token
            return str(entry["user"]), token

    def _throttle(self, token: str) -> tuple[bool, dict[str, str]]:
        """Fill the token's bucket by one request's cost; ``True`` when it overflows."""
        now = time.monotonic()
        with self._lock:
            level, at = self._buckets.get(token, (0.0, now))
            level = max(0.0, level - (now - at) * self.leak)
            overflow = self.throttling and level + self.cost > self.bucket
            if not overflow:
                level += self.cost
            self._buckets[token] = (level, now)
            if overflow:
                self.throttled += 1
        headers = {"X-Request-Cost": f"{self.cost:.4f}",
                   "X-Rate-Limit-Remaining": f"{self.bucket - level:.4f}"}  # fmt: skip
        return overflow, headers

    def _api(self, request: Request) -> Response:
        with self._lock:
            self.requests_seen.append((request.method, request.path, time.monotonic()))
            self.user_agents.add(request.headers.get("User-Agent", ""))
            fault = self.faults.pop(0) if self.faults else None
        user, token = self._user_for(request)
        if user is None:
            return _json({"errors": [{"message": "Invalid access token."}]}, 401,
                         {"WWW-Authenticate": 'Bearer realm="canvas-lms"'})  # fmt: skip
        overflow, headers = self._throttle(token)
        if overflow:
            if self.legacy_403:
                return Response("403 Forbidden (Rate Limit Exceeded)\n", 403, headers)
            return Response("429 Too Many Requests (Rate Limit Exceeded)\n", 429, headers)
        if fault and fault[0] == "500":
            return _json({"errors": [{"message": "An error occurred."}]}, 500, headers)
        if fault and fault[0] == "429":
            return Response("Rate Limit Exceeded", 429, {**headers, "Retry-After": str(fault[1])})
        answer = self._route(request, user)
        if isinstance(answer, Response):
            answer.headers.update(headers)
            return answer
        return self._paged(request, answer, headers)

    def _route(self, request: Request, user: str) -> Response | list[Any]:
        parts = request.path.strip("/").split("/")
        if parts[0] == "files" and len(parts) >= 3 and parts[2] == "download":
            signed = f"{self.base_url}/files-host/{parts[1]}?sig={secrets.token_hex(6)}"
            return Response("", 302, {"Location": signed})
        parts = parts[2:]  # after api/v1
        if parts[:1] == ["courses"] and len(parts) >= 2:
            return self._course_route(request, user, parts[1], parts[2:])
        if parts == ["courses"]:
            return [data["course"] for data in self.courses.values()]
        if parts == ["users", "self", "files"]:
            return [self._file_json(f) for f in self.user_files.get(user, [])]
        if parts[:1] == ["files"] and len(parts) == 2 and parts[1] in self.files:
            return _json(self._file_json(parts[1]))
        return _json({"errors": [{"message": "The specified resource does not exist."}]}, 404)

    def _course_route(
        self, request: Request, user: str, course_id: str, rest: list[str]
    ) -> Response | list[Any]:
        data = self.courses.get(course_id)
        if data is None:
            return _json({"errors": [{"message": "The specified resource does not exist."}]}, 404)
        if not rest:
            return _json(data["course"])
        if rest == ["sections"]:
            return list(data["sections"])
        if rest == ["users"]:
            include = request.args.getlist("include[]")
            states = request.args.getlist("enrollment_state[]") or ["active", "invited"]
            users = []
            for item in data["users"]:
                enrollments = [e for e in item["enrollments"] if e["enrollment_state"] in states]
                if not enrollments:
                    continue
                shown = {k: v for k, v in item.items() if k not in ("email", "enrollments")}
                if "email" in include:
                    shown["email"] = item.get("email")
                if "enrollments" in include:
                    shown["enrollments"] = enrollments
                users.append(shown)
            return users
        if rest == ["files"]:
            return [self._file_json(f) for f in self.course_files.get(course_id, [])]
        if len(rest) == 4 and rest[0] == "assignments" and rest[2] == "submissions":
            who = user if rest[3] == "self" else rest[3]
            key = (course_id, rest[1], who)
            if request.method == "PUT":
                text = request.form.get("comment[text_comment]", "")
                with self._lock:
                    self.comments.setdefault(key, []).append(text)
            submission = dict(self.submissions.get(key) or {
                "id": 0, "assignment_id": int(rest[1]), "user_id": int(who),
                "workflow_state": "unsubmitted", "attachments": []})  # fmt: skip
            if "submission_comments" in request.args.getlist("include[]"):
                submission["submission_comments"] = [
                    {"id": n, "author_id": 1, "comment": text}
                    for n, text in enumerate(self.comments.get(key, []))
                ]
            return _json(submission)
        return _json({"errors": [{"message": "The specified resource does not exist."}]}, 404)

    def _file_json(self, file_id: str) -> dict[str, Any]:
        verifier = secrets.token_hex(4)
        url = f"{self.base_url}/files/{file_id}/download?download_frd=1&verifier={verifier}"
        return {**self.files[file_id], "url": url}

    def _files_host(self, request: Request) -> Response:
        if request.headers.get("Authorization"):
            return Response("Do not send Canvas tokens to the files host", 400)
        file_id = request.path.rsplit("/", 1)[-1]
        content = self.file_bytes.get(file_id)
        if content is None or not request.args.get("sig"):
            return Response("not found", 404)
        self.downloads.append(file_id)
        return Response(content, 200, content_type=self.files[file_id]["content_type"])

    def _paged(self, request: Request, items: list[Any], headers: dict[str, str]) -> Response:
        per_page = min(int(request.args.get("per_page", "10")), self.per_page_cap)
        page = int(request.args.get("page", "1"))
        last = max(1, -(-len(items) // per_page))
        body = items[(page - 1) * per_page : page * per_page]
        query = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page",)]

        def link(number: int) -> str:
            return request.base_url + "?" + urlencode([*query, ("page", str(number))])

        links = [f'<{link(page)}>; rel="current"']
        if page < last:
            links.append(f'<{link(page + 1)}>; rel="next"')
        if page > 1:
            links.append(f'<{link(page - 1)}>; rel="prev"')
        links += [f'<{link(1)}>; rel="first"', f'<{link(last)}>; rel="last"']
        return Response(json.dumps(body), 200, {**headers, "Link": ",".join(links)},
                        content_type="application/json")  # fmt: skip


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status, headers or {}, content_type="application/json")
