"""Verify a presented credential: pasted JSON, a VC-JWT, a URL of ours, or a baked image.

Never touches the network. The report names every check and which one failed, and sums them up
as valid, revoked, expired, tampered, invalid (schema) or unreadable.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from lti_tool.domain.badges import Check, VerificationReport, VerificationStatus
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.ob3 import REVOCATION_LIST, revocation_list_url
from lti_tool.ports import Clock, UnitOfWorkFactory
from lti_tool.ports_badges import BadgeBaker, CredentialProofs, ProofReport

JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
MAX_INPUT = 2_000_000
PROOF_CHECKS = ("proof", "signing key", "issuer")


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _unreadable(detail: str) -> VerificationReport:
    return VerificationReport(VerificationStatus.UNREADABLE, (Check("read", False, detail),))


class VerificationService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        proofs: CredentialProofs,
        baker: BadgeBaker,
        base_url: str,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._proofs = proofs
        self._baker = baker
        self.base_url = base_url.rstrip("/")

    def verify_text(self, text: str) -> VerificationReport:
        """A URL of one of our credentials, a VC-JWT, or credential JSON."""
        text = text.strip()
        if not text:
            return _unreadable("nothing was given: paste a credential, a JWT or a URL")
        if len(text) > MAX_INPUT:
            return _unreadable("that is larger than any credential (2 MB)")
        if text.startswith(("http://", "https://")):
            return self._verify_url(text)
        if JWT_SHAPE.match(text):
            return self._finish(self._proofs.check_jwt(text))
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            return _unreadable(
                f"not JSON, a JWT or a URL (JSON error at line {error.lineno}, column "
                f"{error.colno}: {error.msg})"
            )
        if not isinstance(document, dict):
            return _unreadable("the JSON is not an object: a credential is a JSON object")
        return self.verify_document(document)

    def verify_document(self, document: dict[str, Any]) -> VerificationReport:
        return self._finish(self._proofs.check_document(document))

    def verify_image(self, image: bytes) -> VerificationReport:
        try:
            text = self._baker.unbake(image)
        except ValueError as error:
            return _unreadable(f"no credential found in the image: {error}")
        return self.verify_text(text)

    def _verify_url(self, url: str) -> VerificationReport:
        prefix = f"{self.base_url}/credentials/"
        if not url.startswith(prefix):
            return _unreadable(
                "credbridge reads only its own credential URLs and never fetches others: paste "
                "the credential's JSON or JWT, or upload its baked image"
            )
        credential_id = url.removeprefix(prefix).split("?")[0].split("#")[0]
        credential_id = credential_id.removesuffix(".json").removesuffix(".jwt")
        try:
            with self._uow() as uow:
                stored = uow.credentials.get(credential_id)
        except NotFoundError:
            return _unreadable(f"no credential {credential_id} was issued here")
        return self.verify_document(stored.document)

    # -- the sum ------------------------------------------------------------------------------

    def _finish(self, report: ProofReport) -> VerificationReport:
        checks = list(report.checks)
        document = report.credential
        proofs_ok = all(check.passed for check in checks)
        if document is None or not proofs_ok:
            unresolved = any(
                not check.passed and check.name in ("proof", "signing key") for check in checks
            )
            status = VerificationStatus.UNREADABLE if unresolved else VerificationStatus.TAMPERED
            return VerificationReport(status, tuple(checks), document)
        problems = self._proofs.schema_problems(document)
        checks.append(
            Check(
                self._proofs.schema_name,
                not problems,
                "; ".join(problems[:5]) or "conforms",
            )
        )
        expired = self._dates(document, checks)
        revoked = self._status(document, report.issuer_id, checks)
        if revoked:
            status = VerificationStatus.REVOKED
        elif expired:
            status = VerificationStatus.EXPIRED
        elif problems:
            status = VerificationStatus.INVALID
        else:
            status = VerificationStatus.VALID
        return VerificationReport(status, tuple(checks), document)

    def _dates(self, document: dict[str, Any], checks: list[Check]) -> bool:
        now = self._clock.now()
        valid_from = _parse_time(document.get("validFrom"))
        valid_until = _parse_time(document.get("validUntil"))
        if valid_from is not None and valid_from > now:
            checks.append(Check("validity", False, f"not valid before {valid_from.isoformat()}"))
            return True
        if valid_until is not None and valid_until <= now:
            checks.append(Check("validity", False, f"expired on {valid_until.isoformat()}"))
            return True
        checks.append(Check("validity", True, "within its validity period"))
        return False

    def _status(self, document: dict[str, Any], issuer_id: str | None, checks: list[Check]) -> bool:
        status = document.get("credentialStatus")
        if not isinstance(status, dict):
            checks.append(Check("revocation", True, "the credential declares no status list"))
            return False
        ours = issuer_id is not None and status.get("id") == revocation_list_url(
            self.base_url, issuer_id
        )
        if status.get("type") != REVOCATION_LIST or not ours:
            checks.append(
                Check(
                    "revocation",
                    True,
                    f"status list {status.get('id')} is not ours; credbridge does not fetch it",
                )
            )
            return False
        credential_id = str(document.get("id", "")).rsplit("/", 1)[-1]
        with self._uow() as uow:
            try:
                stored = uow.credentials.get(credential_id)
            except NotFoundError:
                checks.append(Check("revocation", False, "the issuer has no record of it"))
                return True
        if stored.revoked:
            checks.append(
                Check("revocation", False, f"revoked: {stored.revocation_reason or 'no reason'}")
            )
            return True
        checks.append(Check("revocation", True, "not on the issuer's revocation list"))
        return False
