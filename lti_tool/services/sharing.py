"""Sharing a credential: its public link, a LinkedIn add-to-profile link, and email."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from lti_tool.domain.badges import IssuedCredential
from lti_tool.domain.errors import ValidationError
from lti_tool.ports import Clock, UnitOfWorkFactory
from lti_tool.ports_badges import Mailer, MailMessage
from lti_tool.services.common import Actor, record
from lti_tool.services.credentials import CredentialService

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"
MAX_NOTE = 1000


def linkedin_url(credential: IssuedCredential, public_url: str) -> str:
    """LinkedIn's add-to-profile link for a certification, with every field it takes filled."""
    issuer = credential.document.get("issuer", {})
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": credential.title,
        "organizationName": issuer.get("name", "") if isinstance(issuer, dict) else "",
        "issueYear": credential.issued_at.year,
        "issueMonth": credential.issued_at.month,
        "certUrl": public_url,
        "certId": credential.id,
    }
    return f"{LINKEDIN_ADD}?{urlencode(query)}"


class SharingService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        credentials: CredentialService,
        mailer: Mailer,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._credentials = credentials
        self._mailer = mailer

    def public_url(self, credential: IssuedCredential) -> str:
        return f"{self._credentials.base_url}/credentials/{credential.id}"

    def linkedin(self, credential: IssuedCredential) -> str:
        return linkedin_url(credential, self.public_url(credential))

    def email(self, actor: Actor, credential_id: str, to: str, note: str = "") -> None:
        """Send the public link (never the evidence) to ``to``, on the holder's request."""
        credential = self._credentials.owned(actor, credential_id)
        to = to.strip()
        if not EMAIL.match(to):
            raise ValidationError("Enter an email address such as name@example.org.")
        if len(note) > MAX_NOTE:
            raise ValidationError(f"Keep the note under {MAX_NOTE} characters.")
        url = self.public_url(credential)
        body = "\n\n".join(
            part
            for part in (
                f"{actor.display_name} shares a credential with you: {credential.title}.",
                note.strip(),
                f"See and verify it here: {url}",
                "Anyone can check it without an account; the page says whether it is valid, "
                "revoked or expired.",
            )
            if part
        )
        self._mailer.send(MailMessage(to=to, subject=f"Credential: {credential.title}", body=body))
        now = self._clock.now()
        with self._uow() as uow:
            record(uow, now, actor.person_id, "credential", credential.id, "share-email",
                   None, None, "sent by email")  # fmt: skip
            uow.commit()
