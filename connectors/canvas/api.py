"""Typed Canvas endpoints. Each method names the endpoint it calls; payloads stay raw
``TypedDict`` at this edge and are translated by :mod:`connectors.canvas.mapping`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any, NotRequired, TypedDict, cast

from connectors.canvas.client import CanvasClient


class CanvasEnrollment(TypedDict):
    id: int
    course_id: int
    course_section_id: int
    user_id: int
    type: str
    """``StudentEnrollment``, ``TeacherEnrollment``, ``TaEnrollment``, ``DesignerEnrollment``,
    ``ObserverEnrollment``."""
    enrollment_state: str
    updated_at: NotRequired[str]


class CanvasUser(TypedDict):
    id: int
    name: str
    sortable_name: NotRequired[str]
    sis_user_id: NotRequired[str | None]
    login_id: NotRequired[str | None]
    email: NotRequired[str | None]
    enrollments: NotRequired[list[CanvasEnrollment]]


class CanvasSection(TypedDict):
    id: int
    name: str
    course_id: int
    sis_section_id: NotRequired[str | None]


class CanvasCourse(TypedDict):
    id: int
    name: str
    course_code: NotRequired[str]
    account_id: NotRequired[int]
    sis_course_id: NotRequired[str | None]
    enrollment_term_id: NotRequired[int]


class CanvasFile(TypedDict):
    id: int
    display_name: str
    filename: NotRequired[str]
    size: int
    url: NotRequired[str]
    """A download URL (it redirects to a signed URL on a files host)."""
    content_type: NotRequired[str]


class CanvasSubmission(TypedDict):
    id: int
    assignment_id: int
    user_id: int
    attachments: NotRequired[list[CanvasFile]]


class CanvasApi:
    """The endpoints credbridge uses, over one :class:`CanvasClient`."""

    def __init__(self, client: CanvasClient) -> None:
        self.client = client

    def course(self, course_id: str) -> CanvasCourse:
        """``GET /api/v1/courses/:id``."""
        return cast(CanvasCourse, self.client.get(f"/api/v1/courses/{course_id}"))

    def sections(self, course_id: str) -> list[CanvasSection]:
        """``GET /api/v1/courses/:course_id/sections``."""
        return list(self.client.items(f"/api/v1/courses/{course_id}/sections"))

    def user_pages(self, course_id: str) -> Iterator[list[CanvasUser]]:
        """``GET /api/v1/courses/:course_id/users`` with emails and enrollments, page by page."""
        params = {
            "include[]": ["email", "enrollments"],
            "enrollment_state[]": ["active", "invited", "completed", "inactive"],
        }
        return cast(
            Iterator[list[CanvasUser]],
            self.client.pages(f"/api/v1/courses/{course_id}/users", params),
        )

    def my_files(self) -> list[CanvasFile]:
        """``GET /api/v1/users/self/files``: the signed-in user's own files."""
        return list(self.client.items("/api/v1/users/self/files"))

    def course_files(self, course_id: str) -> list[CanvasFile]:
        """``GET /api/v1/courses/:course_id/files``."""
        return list(self.client.items(f"/api/v1/courses/{course_id}/files"))

    def my_submission(self, course_id: str, assignment_id: str) -> CanvasSubmission:
        """``GET /api/v1/courses/:course_id/assignments/:assignment_id/submissions/self``."""
        path = f"/api/v1/courses/{course_id}/assignments/{assignment_id}/submissions/self"
        return cast(CanvasSubmission, self.client.get(path))

    def file(self, file_id: str) -> CanvasFile:
        """``GET /api/v1/files/:id``: metadata, with the download ``url``."""
        return cast(CanvasFile, self.client.get(f"/api/v1/files/{file_id}"))

    def download(self, file: CanvasFile) -> IO[bytes]:
        """The file's bytes as a stream (its ``url`` redirects to the files host)."""
        url = file.get("url") or f"/api/v1/files/{file['id']}/download"
        response = self.client.request("GET", url, stream=True)
        response.raw.decode_content = True
        return cast(IO[bytes], response.raw)

    def comment(
        self, course_id: str, assignment_id: str, user_id: str, text: str
    ) -> dict[str, Any]:
        """``PUT /api/v1/courses/:course_id/assignments/:assignment_id/submissions/:user_id``
        with ``comment[text_comment]``: a submission comment."""
        path = f"/api/v1/courses/{course_id}/assignments/{assignment_id}/submissions/{user_id}"
        response = self.client.request("PUT", path, data={"comment[text_comment]": text})
        return cast(dict[str, Any], response.json())

    def comments(self, course_id: str, assignment_id: str, user_id: str) -> list[str]:
        """The submission's comment texts
        (``GET .../submissions/:user_id?include[]=submission_comments``)."""
        path = f"/api/v1/courses/{course_id}/assignments/{assignment_id}/submissions/{user_id}"
        body = self.client.get(path, {"include[]": "submission_comments"})
        return [str(item.get("comment", "")) for item in body.get("submission_comments") or []]
