"""Mailers: SMTP for real deployments, a folder of ``.eml`` files for the demo and tests."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from lti_tool.ports_badges import MailMessage


def _message(message: MailMessage, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    if message.reply_to:
        mail["Reply-To"] = message.reply_to
    mail.set_content(message.body)
    return mail


class FolderMailer:
    """Writes each message to ``folder`` as an ``.eml`` file (the demo lists them)."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def send(self, message: MailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}.eml"
        path.write_bytes(bytes(_message(message, self.sender)))

    def messages(self) -> list[tuple[str, EmailMessage]]:
        """(file name, message) for every message written, newest first."""
        from email import message_from_bytes, policy

        found = []
        for path in sorted(self.folder.glob("*.eml"), reverse=True):
            parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append((path.name, parsed))
        return found


class SmtpMailer:
    """Sends through an SMTP server with STARTTLS (or implicit TLS on port 465)."""

    def __init__(
        self, host: str, port: int, sender: str, username: str | None, password: str | None
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self._username = username
        self._password = password

    def send(self, message: MailMessage) -> None:
        mail = _message(message, self.sender)
        context = ssl.create_default_context()
        if self.port == 465:
            with smtplib.SMTP_SSL(self.host, self.port, context=context, timeout=20) as smtp:
                self._deliver(smtp, mail)
            return
        with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
            self._deliver(smtp, mail)

    def _deliver(self, smtp: smtplib.SMTP, mail: EmailMessage) -> None:
        if self._username:
            smtp.login(self._username, self._password or "")
        smtp.send_message(mail)
