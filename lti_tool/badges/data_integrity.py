"""The ``eddsa-rdfc-2022`` Data Integrity cryptosuite (W3C VC DI EdDSA Cryptosuites v1.0).

Signing: canonicalise the proof options (with the document's ``@context``) and the document
without its proof (RDFC-1.0, N-Quads), hash each with SHA-256, sign
``SHA-256(proof config) || SHA-256(document)`` with Ed25519, and put the signature in
``proofValue`` as multibase base58btc. Verification repeats the same steps and reports every
failed check by name, because a verifier page has to say *why* a credential is rejected.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from lti_tool.badges.jsonld import CanonicalizationError, canonicalize
from lti_tool.badges.multikey import MultibaseError, multibase_decode, multibase_encode

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def proof_configuration(
    document: Mapping[str, Any],
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """The proof options as signed: the proof without ``proofValue``, plus the document context."""
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
        "@context": copy.deepcopy(document["@context"]),
    }


def hash_data(unsecured_document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    """``SHA-256(canonical proof config) || SHA-256(canonical document)`` (64 bytes)."""
    proof_hash = hashlib.sha256(canonicalize(proof_config).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(unsecured_document).encode("utf-8")).digest()
    return proof_hash + document_hash


def add_proof(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """Return a copy of ``document`` with an ``eddsa-rdfc-2022`` ``DataIntegrityProof``.

    Args:
        document: the unsecured credential; it must have an ``@context`` and no ``proof``.
        private_key: the issuer's Ed25519 key.
        verification_method: URL of the Multikey that verifies the proof.
        created: XML Schema dateTime, e.g. ``2026-01-01T00:00:00Z``.
        proof_purpose: ``assertionMethod`` for credentials.

    Raises:
        ValueError: the document already has a proof, or ``created`` is not a dateTime.
        CanonicalizationError: the document is not valid JSON-LD over vendored contexts.
    """
    if "proof" in document:
        raise ValueError("document already has a proof; sign the unsecured document")
    if "@context" not in document:
        raise ValueError("document has no @context")
    if not _DATETIME.match(created):
        raise ValueError(f"created {created!r} is not an XML Schema dateTime")
    config = proof_configuration(document, verification_method, created, proof_purpose)
    signature = private_key.sign(hash_data(document, config))
    proof = {key: value for key, value in config.items() if key != "@context"}
    proof["proofValue"] = multibase_encode(signature)
    secured = copy.deepcopy(dict(document))
    secured["proof"] = proof
    return secured


def verify_proof(
    document: Mapping[str, Any],
    public_key: Ed25519PublicKey,
    expected_proof_purpose: str = "assertionMethod",
) -> list[str]:
    """Check the embedded ``eddsa-rdfc-2022`` proof; an empty list means it is valid.

    Each entry names one failed check in plain words, e.g. ``"proof.cryptosuite is not
    eddsa-rdfc-2022"`` or ``"signature does not match the document"``. In a proof set (a list),
    the first ``eddsa-rdfc-2022`` proof is checked; like every member of a set, it signs the
    document without any proof.
    """
    proof = _our_proof(document.get("proof"))
    if isinstance(proof, str):
        return [proof]
    problems = _check_proof_fields(proof, expected_proof_purpose)
    if "@context" in proof and proof["@context"] != document.get("@context"):
        problems.append("proof.@context does not match the document @context")
    signature = _signature(proof, problems)
    if problems or signature is None:
        return problems
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    config = dict(proof)
    config.pop("proofValue", None)
    config["@context"] = document.get("@context")
    try:
        data = hash_data(unsecured, config)
    except CanonicalizationError as error:
        return [f"document cannot be canonicalised: {error}"]
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return ["signature does not match the document"]
    return []


def _our_proof(proof: Any) -> Mapping[str, Any] | str:
    """The proof to check, or why there is none. In a proof set, the first of our suite."""
    if proof is None:
        return "document has no proof"
    if isinstance(proof, list):
        ours = [
            item
            for item in proof
            if isinstance(item, Mapping) and item.get("cryptosuite") == CRYPTOSUITE
        ]
        if not ours:
            return f"document has no {CRYPTOSUITE} proof"
        return ours[0]
    if not isinstance(proof, Mapping):
        return "proof is not a proof object"
    return proof


def _check_proof_fields(proof: Mapping[str, Any], expected_purpose: str) -> list[str]:
    problems = []
    if proof.get("type") != PROOF_TYPE:
        problems.append(f"proof.type is not {PROOF_TYPE}")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        problems.append(f"proof.cryptosuite is not {CRYPTOSUITE}")
    if proof.get("proofPurpose") != expected_purpose:
        problems.append(f"proof.proofPurpose is not {expected_purpose}")
    if not isinstance(proof.get("verificationMethod"), str) or not proof["verificationMethod"]:
        problems.append("proof.verificationMethod is missing")
    created = proof.get("created")
    if created is not None and not (isinstance(created, str) and _DATETIME.match(created)):
        problems.append("proof.created is not an XML Schema dateTime")
    return problems


def _signature(proof: Mapping[str, Any], problems: list[str]) -> bytes | None:
    value = proof.get("proofValue")
    if not isinstance(value, str):
        problems.append("proof.proofValue is missing")
        return None
    try:
        signature = multibase_decode(value)
    except MultibaseError:
        problems.append("proof.proofValue is not multibase base58btc")
        return None
    if len(signature) != 64:
        problems.append("proof.proofValue is not a 64-byte Ed25519 signature")
        return None
    return signature
