"""The Canvas connector behind :class:`lti_tool.ports_canvas.CanvasGateway`: builds clients for
a connection (account token or a user's grant) and turns HTTP failures into domain errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO

import requests

from connectors.canvas.api import CanvasApi, CanvasFile
from connectors.canvas.client import CanvasAuth, CanvasClient, StaticToken, Throttle
from connectors.canvas.oauth import CanvasOAuth, Token, UserGrant
from connectors.canvas.source import CanvasCourseSource
from connectors.http import AuthError, HttpError, RetriableError
from lti_tool.domain.errors import DeliveryRefused, RetryLater, UploadRejectedError
from lti_tool.ports_canvas import (
    CanvasConnection,
    CanvasFileInfo,
    CanvasGrantRevoked,
    CanvasLink,
    CanvasToken,
    TokenSaver,
)

FILE_KINDS = ("user_files", "course_files", "submission")


@contextmanager
def translated() -> Iterator[None]:
    """Connector errors as the domain errors services and the worker understand."""
    try:
        yield
    except AuthError as error:
        raise CanvasGrantRevoked(
            "Canvas no longer accepts your authorisation (it was revoked or has expired). "
            "Connect your Canvas account again."
        ) from error
    except RetriableError as error:
        raise RetryLater(str(error), retry_after=error.retry_after) from error
    except HttpError as error:
        raise DeliveryRefused(str(error)) from error


def _info(item: CanvasFile) -> CanvasFileInfo:
    return CanvasFileInfo(
        str(item["id"]),
        str(item.get("display_name") or item.get("filename")),
        int(item.get("size") or 0),
        item.get("content_type"),
    )


class CanvasConnector:
    """One per process; ``session`` is shared by every client it builds."""

    def __init__(
        self,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
        throttle: Callable[[], Throttle] = Throttle,
    ) -> None:
        self.session = session or requests.Session()
        self.sleep = sleep
        """How clients wait between retries (``None``: really sleep); tests record instead."""
        self._throttle = throttle

    def close(self) -> None:
        self.session.close()

    def oauth(self, connection: CanvasConnection) -> CanvasOAuth:
        return CanvasOAuth(connection.base_url, connection.client_id, connection.client_secret)

    def api(self, connection: CanvasConnection, auth: CanvasAuth) -> CanvasApi:
        client = CanvasClient(
            connection.base_url, auth, session=self.session, throttle=self._throttle()
        )
        if self.sleep is not None:
            client.sleep = self.sleep
        return CanvasApi(client)

    def _account(self, connection: CanvasConnection) -> CanvasApi:
        if not connection.account_token:
            raise DeliveryRefused(
                f"The Canvas connection {connection.base_url} has no account token: run "
                "`credbridge canvas connect ... --token ACCOUNT_TOKEN`."
            )
        return self.api(connection, StaticToken(connection.account_token))

    def _user(
        self, connection: CanvasConnection, token: CanvasToken, save: TokenSaver
    ) -> CanvasApi:
        def saved(new: Token) -> None:
            save(
                CanvasToken(new.access_token, new.refresh_token, new.expires_at, new.canvas_user_id)
            )

        grant = UserGrant(
            self.oauth(connection),
            Token(token.access_token, token.refresh_token, token.expires_at, token.canvas_user_id),
            saved,
        )
        return self.api(connection, grant)

    def authorize_url(self, connection: CanvasConnection, redirect_uri: str, state: str) -> str:
        return self.oauth(connection).authorize_url(redirect_uri, state)

    def exchange(self, connection: CanvasConnection, code: str, redirect_uri: str) -> CanvasToken:
        with translated():
            token = self.oauth(connection).exchange(code, redirect_uri)
        return CanvasToken(
            token.access_token, token.refresh_token, token.expires_at, token.canvas_user_id
        )

    def course_source(
        self, connection: CanvasConnection, course_id: str, subjects: Mapping[str, str]
    ) -> CanvasCourseSource:
        return CanvasCourseSource(self._account(connection), course_id, subjects)

    def files(
        self,
        connection: CanvasConnection,
        token: CanvasToken,
        save: TokenSaver,
        kind: str,
        where: str | None,
    ) -> list[CanvasFileInfo]:
        api = self._user(connection, token, save)
        with translated():
            if kind == "user_files":
                return [_info(item) for item in api.my_files()]
            if kind == "course_files" and where:
                return [_info(item) for item in api.course_files(where)]
            if kind == "submission" and where and "/" in where:
                course_id, assignment_id = where.split("/", 1)
                submission = api.my_submission(course_id, assignment_id)
                return [_info(item) for item in submission.get("attachments") or []]
        raise DeliveryRefused(f"Unknown Canvas file listing {kind!r}.")

    def download(
        self,
        connection: CanvasConnection,
        token: CanvasToken,
        save: TokenSaver,
        file_id: str,
        max_bytes: int,
    ) -> tuple[CanvasFileInfo, IO[bytes]]:
        api = self._user(connection, token, save)
        with translated():
            item = api.file(file_id)
            info = _info(item)
            if info.size > max_bytes:
                raise UploadRejectedError(
                    f"{info.name} is larger than the limit of {max_bytes // (1024 * 1024)} MB.",
                    too_large=True,
                )
            return info, api.download(item)

    def post_comment(
        self, connection: CanvasConnection, link: CanvasLink, text: str, marker: str
    ) -> bool:
        api = self._account(connection)
        assert link.assignment_id is not None
        with translated():
            existing = api.comments(link.course_id, link.assignment_id, link.canvas_user_id)
            if any(marker in comment for comment in existing):
                return False
            api.comment(link.course_id, link.assignment_id, link.canvas_user_id, text)
        return True
