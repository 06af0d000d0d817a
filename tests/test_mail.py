"""Mailers over real transports: a folder, and SMTP to a small server on 127.0.0.1."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from lti_tool.mail import FolderMailer, SmtpMailer
from lti_tool.ports_badges import MailMessage


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough RFC 5321 to accept one message (no STARTTLS offered)."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        server: SmtpServer = self.server  # type: ignore[assignment]
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self.reply("250 test")
            elif verb in {"MAIL", "RCPT", "RSET", "NOOP"}:
                server.envelope.append(command)
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go on")
                body = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    body += chunk
                server.messages.append(body)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Smtp)
        self.messages: list[bytes] = []
        self.envelope: list[str] = []


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


MESSAGE = MailMessage(to="principal@elsewhere.example", subject="Credential: Hinge", body="Link")


def test_smtp_delivers_to_the_server(smtp: SmtpServer) -> None:
    port = smtp.server_address[1]
    SmtpMailer("127.0.0.1", port, "badges@district.example", None, None).send(MESSAGE)
    assert "rcpt to:<principal@elsewhere.example>" in [line.lower() for line in smtp.envelope]
    parsed = message_from_bytes(smtp.messages[0], policy=policy.default)
    assert parsed["Subject"] == "Credential: Hinge" and parsed["From"] == "badges@district.example"


def test_the_folder_mailer_keeps_what_it_would_send(tmp_path: Path) -> None:
    mailer = FolderMailer(tmp_path / "mail", "credbridge@localhost")
    mailer.send(MESSAGE)
    [(name, message)] = mailer.messages()
    assert name.endswith(".eml") and message["To"] == "principal@elsewhere.example"
    assert message.get_content().strip() == "Link"
