"""The ``CredentialProofs`` port: both proofs on issue, and every check on a presented credential.

Keys are resolved without the network: a verification method under our own ``/issuers/`` URL is
looked up in the database (retired keys included), a ``did:key`` is decoded from itself; anything
else is reported as a key we cannot resolve offline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from lti_tool.badges import conformance, data_integrity, schema, vc_jwt
from lti_tool.badges.keyring import IssuerKeyRing
from lti_tool.badges.multikey import multikey_to_public_key
from lti_tool.domain.badges import Check, IssuerKey, KeyKind
from lti_tool.domain.ob3 import timestamp
from lti_tool.ports_badges import ProofReport, SignedCredential


def _outcome(name: str, problems: list[str], passed: str) -> Check:
    return Check(name, not problems, "; ".join(problems) or passed)


class UnresolvableKey(LookupError):
    """A verification method we cannot turn into a key without the network."""


def _issuer_id_of(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        value = issuer.get("id")
        return value if isinstance(value, str) else None
    return issuer if isinstance(issuer, str) else None


class BadgeProofs:
    """Signs with :class:`IssuerKeyRing` keys; verifies with the vendored contexts only."""

    def __init__(self, keyring: IssuerKeyRing) -> None:
        self._keys = keyring

    # -- issuing ------------------------------------------------------------------------------

    def sign(self, document: dict[str, Any], issuer_id: str, now: datetime) -> SignedCredential:
        if "proof" in document:
            raise ValueError("The document already carries a proof.")
        ed = self._keys.signing_key(issuer_id, KeyKind.ED25519, now)
        rs = self._keys.signing_key(issuer_id, KeyKind.RSA, now)
        with_proof = data_integrity.add_proof(
            document, ed.private, verification_method=ed.method, created=timestamp(now)
        )
        # OB 3.0 §8.2: the embedded proof is made first and travels inside the JWT too.
        token = vc_jwt.encode_vc_jwt(with_proof, rs.private, kid=rs.method)
        return SignedCredential(document=with_proof, jwt=token)

    @property
    def schema_name(self) -> str:
        if schema.ACHIEVEMENT_CREDENTIAL_SCHEMA in schema.vendored_schemas():
            return "Open Badges 3.0 schema (official, vendored)"
        return (
            "Open Badges 3.0 required properties and defined terms (official schema not vendored)"
        )

    def schema_problems(self, document: dict[str, Any]) -> list[str]:
        try:
            return [str(problem) for problem in schema.validate_credential(document)]
        except schema.SchemaUnavailableError:
            return conformance.shape_problems(document)

    def public_keys(self, issuer_id: str) -> list[dict[str, Any]]:
        return [self._keys.verification_method(key) for key in self._keys.keys_of(issuer_id)]

    def rotate(self, issuer_id: str, now: datetime) -> list[IssuerKey]:
        return self._keys.rotate(issuer_id, now)

    # -- verifying ----------------------------------------------------------------------------

    def _our_key(self, method: str) -> IssuerKey | None:
        prefix = f"{self._keys.base_url}/issuers/"
        if not method.startswith(prefix) or "/keys/" not in method:
            return None
        return self._keys.key(method.rsplit("/keys/", 1)[1])

    def _resolve(self, method: str) -> tuple[Any, IssuerKey | None]:
        key = self._our_key(method)
        if key is not None:
            return self._keys.public_key(key), key
        if method.startswith("did:key:"):
            fingerprint = method.split("#", 1)[0].removeprefix("did:key:")
            try:
                return multikey_to_public_key(fingerprint), None
            except ValueError as error:
                raise UnresolvableKey(f"{method} is not an Ed25519 did:key ({error})") from error
        raise UnresolvableKey(
            f"the signing key {method} is not one of this tool's issuers' keys, and credbridge "
            "never fetches keys from the network"
        )

    def check_document(self, document: dict[str, Any]) -> ProofReport:
        checks: list[Check] = []
        proof = document.get("proof")
        if isinstance(proof, list):
            proof = next((item for item in proof if isinstance(item, dict)), None)
        if not isinstance(proof, dict):
            checks.append(Check("proof", False, "the credential carries no embedded proof"))
            return ProofReport(document, tuple(checks), None)
        method = str(proof.get("verificationMethod", ""))
        try:
            public, key = self._resolve(method)
        except UnresolvableKey as error:
            checks.append(Check("signing key", False, str(error)))
            return ProofReport(document, tuple(checks), None)
        if not isinstance(public, ed25519.Ed25519PublicKey):
            checks.append(Check("signing key", False, f"{method} is not an Ed25519 key"))
            return ProofReport(document, tuple(checks), None)
        checks.append(Check("signing key", True, f"resolved {method} without the network"))
        checks.extend(self._controller_checks(document, key))
        problems = data_integrity.verify_proof(document, public)
        checks.append(
            _outcome(
                "Data Integrity proof (eddsa-rdfc-2022)",
                problems,
                "the signature matches the canonical document",
            )
        )
        return ProofReport(document, tuple(checks), key.issuer_id if key else None)

    def _controller_checks(self, document: dict[str, Any], key: IssuerKey | None) -> list[Check]:
        if key is None:
            return []
        controller = f"{self._keys.base_url}/issuers/{key.issuer_id}"
        issuer = _issuer_id_of(document)
        return [
            Check(
                "issuer",
                issuer == controller,
                f"the key belongs to {controller}"
                + ("" if issuer == controller else f", but the credential names {issuer}"),
            )
        ]

    def check_jwt(self, token: str) -> ProofReport:
        checks: list[Check] = []
        resolved: dict[str, IssuerKey | None] = {}

        def resolve(kid: str) -> rsa.RSAPublicKey:
            public, key = self._resolve(kid)
            if not isinstance(public, rsa.RSAPublicKey):
                raise UnresolvableKey(f"{kid} is not an RSA key")
            resolved["key"] = key
            return public

        try:
            credential, problems = vc_jwt.decode_vc_jwt(token, resolve)
        except UnresolvableKey as error:
            checks.append(Check("signing key", False, str(error)))
            return ProofReport(None, tuple(checks), None)
        except ValueError as error:
            checks.append(Check("VC-JWT", False, str(error)))
            return ProofReport(None, tuple(checks), None)
        key = resolved.get("key")
        checks.append(Check("signing key", True, "resolved the JWT's kid without the network"))
        if credential is not None:
            checks.extend(self._controller_checks(credential, key))
        checks.append(
            _outcome(
                "VC-JWT signature and claims (RS256)",
                problems,
                "the signature and iss/jti/nbf/sub match the credential",
            )
        )
        return ProofReport(credential, tuple(checks), key.issuer_id if key else None)
