"""eddsa-rdfc-2022 on an OpenBadgeCredential: both verifiers accept it, tampering fails both."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lti_tool.badges.data_integrity import add_proof, verify_proof
from lti_tool.badges.jsonld import CanonicalizationError
from lti_tool.badges.multikey import (
    MultibaseError,
    base58_decode,
    base58_encode,
    multikey_to_public_key,
    public_key_to_multikey,
)
from tests.badges.independent_verifier import verify_independently
from tests.badges.samples import CREATED, VERIFICATION_METHOD, credential, ed25519_key


def signed() -> dict[str, Any]:
    return add_proof(credential(), ed25519_key(), VERIFICATION_METHOD, CREATED)


def test_signed_credential_verifies_with_ours_and_the_independent_verifier() -> None:
    document = signed()
    public_key = ed25519_key().public_key()
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["proof"]["proofValue"].startswith("z")
    assert verify_proof(document, public_key) == []
    assert verify_independently(document, public_key) is True


def _subject_name(doc: dict[str, Any]) -> None:
    doc["credentialSubject"]["achievement"]["name"] = "Something Else"


def _valid_from(doc: dict[str, Any]) -> None:
    doc["validFrom"] = "2020-03-01T12:00:00Z"


def _created(doc: dict[str, Any]) -> None:
    doc["proof"]["created"] = "2026-03-02T12:00:00Z"


def _verification_method(doc: dict[str, Any]) -> None:
    doc["proof"]["verificationMethod"] = "https://attacker.example/keys#1"


def _issuer_name(doc: dict[str, Any]) -> None:
    doc["issuer"]["name"] = "Another District"


def _identity_hash(doc: dict[str, Any]) -> None:
    doc["credentialSubject"]["identifier"][0]["salt"] = "other"


@pytest.mark.parametrize(
    "tamper",
    [_subject_name, _valid_from, _created, _verification_method, _issuer_name, _identity_hash],
)
def test_tampering_any_signed_field_fails_both_verifiers(
    tamper: Callable[[dict[str, Any]], None],
) -> None:
    document = signed()
    tamper(document)
    public_key = ed25519_key().public_key()
    assert verify_proof(document, public_key) == ["signature does not match the document"]
    assert verify_independently(document, public_key) is False


def test_another_key_does_not_verify() -> None:
    other = Ed25519PrivateKey.generate().public_key()
    assert verify_proof(signed(), other) == ["signature does not match the document"]
    assert verify_independently(signed(), other) is False


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("cryptosuite", "eddsa-jcs-2022", "proof.cryptosuite is not eddsa-rdfc-2022"),
        ("type", "Ed25519Signature2020", "proof.type is not DataIntegrityProof"),
        ("proofPurpose", "authentication", "proof.proofPurpose is not assertionMethod"),
        ("proofValue", "uAAAA", "proof.proofValue is not multibase base58btc"),
        ("proofValue", "z2", "proof.proofValue is not a 64-byte Ed25519 signature"),
        ("created", "yesterday", "proof.created is not an XML Schema dateTime"),
    ],
)
def test_each_failed_proof_check_is_named(field: str, value: str, problem: str) -> None:
    document = signed()
    document["proof"][field] = value
    assert problem in verify_proof(document, ed25519_key().public_key())


def test_missing_proof_and_unknown_context_are_reported() -> None:
    public_key = ed25519_key().public_key()
    assert verify_proof(credential(), public_key) == ["document has no proof"]
    document = signed()
    document["@context"] = [*document["@context"], "https://example.com/unknown"]
    [problem] = verify_proof(document, public_key)
    assert problem.startswith("document cannot be canonicalised")
    assert "https://example.com/unknown" in problem


def test_a_proof_set_is_searched_for_our_suite() -> None:
    document = signed()
    other_suite = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019",
        "proofValue": "z1",
    }
    document["proof"] = [other_suite, document["proof"]]
    assert verify_proof(document, ed25519_key().public_key()) == []
    document["proof"] = [other_suite]
    assert verify_proof(document, ed25519_key().public_key()) == [
        "document has no eddsa-rdfc-2022 proof"
    ]
    document["proof"] = "z123"
    assert verify_proof(document, ed25519_key().public_key()) == ["proof is not a proof object"]


def test_add_proof_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="already has a proof"):
        add_proof(signed(), ed25519_key(), VERIFICATION_METHOD, CREATED)
    with pytest.raises(ValueError, match="dateTime"):
        add_proof(credential(), ed25519_key(), VERIFICATION_METHOD, "2026-03-01")
    unknown = credential()
    unknown["@context"] = ["https://example.com/nope"]
    with pytest.raises(CanonicalizationError):
        add_proof(unknown, ed25519_key(), VERIFICATION_METHOD, CREATED)


def test_add_proof_leaves_its_input_alone() -> None:
    original = credential()
    before = copy.deepcopy(original)
    add_proof(original, ed25519_key(), VERIFICATION_METHOD, CREATED)
    assert original == before


def test_multikey_and_base58_round_trip() -> None:
    public_key = ed25519_key().public_key()
    multikey = public_key_to_multikey(public_key)
    assert multikey.startswith("z6Mk")
    assert public_key_to_multikey(multikey_to_public_key(multikey)) == multikey
    for data in (b"", b"\0\0\x01", bytes(range(256))):
        assert base58_decode(base58_encode(data)) == data
    with pytest.raises(MultibaseError):
        multikey_to_public_key("z" + base58_encode(b"\x12\x00" + bytes(32)))
    with pytest.raises(MultibaseError):
        base58_decode("0OIl")
