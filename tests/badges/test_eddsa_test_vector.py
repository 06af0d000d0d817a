"""The published eddsa-rdfc-2022 test vector, reproduced byte for byte.

Source: W3C "Data Integrity EdDSA Cryptosuites v1.0", Appendix "Representation:
eddsa-rdfc-2022" (files in w3c/vc-di-eddsa TestVectors/: keyPair.json,
eddsa-rdfc-2022/{proofConfigDataInt.json, proofCanonDataInt.txt, proofHashDataInt.txt,
combinedHashDataInt.txt, sigHexDataInt.txt, sigBTC58DataInt.txt, signedDataInt.json}, as of
vc-di-eddsa commit 6767a890dc27fe37a024e2554f16c11a2af05896). The canonical document is
the spec's "Canonical Credential without Proof"; its SHA-256 is the second half of the
combined hash.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lti_tool.badges.data_integrity import (
    add_proof,
    hash_data,
    proof_configuration,
    verify_proof,
)
from lti_tool.badges.jsonld import canonicalize
from lti_tool.badges.multikey import (
    ED25519_PRIV_PREFIX,
    multibase_decode,
    multikey_to_public_key,
    public_key_to_multikey,
)
from tests.badges.independent_verifier import verify_independently

PUBLIC_KEY_MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
PRIVATE_KEY_MULTIBASE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
VERIFICATION_METHOD = f"https://vc.example/issuers/5678#{PUBLIC_KEY_MULTIBASE}"
CREATED = "2023-02-24T23:36:38Z"

UNSECURED = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}

CANONICAL_DOCUMENT = (
    "<did:example:abcdefgh> <https://www.w3.org/ns/credentials/examples#alumniOf> "
    '"The School of Examples" .\n'
    "<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> "
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://www.w3.org/2018/credentials#VerifiableCredential> .\n"
    "<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> "
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://www.w3.org/ns/credentials/examples#AlumniCredential> .\n"
    "<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <https://schema.org/description> "
    '"A minimum viable example of an Alumni Credential." .\n'
    "<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <https://schema.org/name> "
    '"Alumni Credential" .\n'
    "<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> "
    "<https://www.w3.org/2018/credentials#credentialSubject> <did:example:abcdefgh> .\n"
    "<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> "
    "<https://www.w3.org/2018/credentials#issuer> <https://vc.example/issuers/5678> .\n"
    "<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> "
    "<https://www.w3.org/2018/credentials#validFrom> "
    '"2023-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n'
)

CANONICAL_PROOF_CONFIG = (
    '_:c14n0 <http://purl.org/dc/terms/created> "2023-02-24T23:36:38Z"'
    "^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
    "_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://w3id.org/security#DataIntegrityProof> .\n"
    '_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022"'
    "^^<https://w3id.org/security#cryptosuiteString> .\n"
    "_:c14n0 <https://w3id.org/security#proofPurpose> "
    "<https://w3id.org/security#assertionMethod> .\n"
    "_:c14n0 <https://w3id.org/security#verificationMethod> "
    "<https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2> .\n"
)

PROOF_HASH = "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb"
COMBINED_HASH = (
    "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb"
    "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"
)
PROOF_VALUE = (
    "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9"
)
SIGNATURE_HEX = (
    "3237ba3b695c09e199540507ead17a58300cc4efe91ce19d582ad7e001455190"
    "f1ea3d13bdeff2cbaf7f30da7fe9f24b475511ef3875b6efe7cc9f49d3f55b02"
)


def vector_private_key() -> Ed25519PrivateKey:
    raw = multibase_decode(PRIVATE_KEY_MULTIBASE)
    assert raw[:2] == ED25519_PRIV_PREFIX
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def test_key_pair_matches_the_multikey() -> None:
    public_key = vector_private_key().public_key()
    assert public_key_to_multikey(public_key) == PUBLIC_KEY_MULTIBASE
    assert public_key_to_multikey(multikey_to_public_key(PUBLIC_KEY_MULTIBASE)) == (
        PUBLIC_KEY_MULTIBASE
    )


def test_canonical_document_and_proof_config_are_exact() -> None:
    assert canonicalize(UNSECURED) == CANONICAL_DOCUMENT
    config = proof_configuration(UNSECURED, VERIFICATION_METHOD, CREATED)
    assert canonicalize(config) == CANONICAL_PROOF_CONFIG
    assert hashlib.sha256(CANONICAL_PROOF_CONFIG.encode()).hexdigest() == PROOF_HASH


def test_hash_and_proof_value_are_exact() -> None:
    config = proof_configuration(UNSECURED, VERIFICATION_METHOD, CREATED)
    assert hash_data(UNSECURED, config).hex() == COMBINED_HASH
    secured = add_proof(UNSECURED, vector_private_key(), VERIFICATION_METHOD, CREATED)
    assert secured["proof"] == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": CREATED,
        "verificationMethod": VERIFICATION_METHOD,
        "proofPurpose": "assertionMethod",
        "proofValue": PROOF_VALUE,
    }
    assert multibase_decode(PROOF_VALUE).hex() == SIGNATURE_HEX
    assert "proof" not in UNSECURED


def test_published_signed_credential_verifies_both_ways() -> None:
    signed = {
        **UNSECURED,
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": CREATED,
            "verificationMethod": VERIFICATION_METHOD,
            "proofPurpose": "assertionMethod",
            "proofValue": PROOF_VALUE,
        },
    }
    public_key = multikey_to_public_key(PUBLIC_KEY_MULTIBASE)
    assert verify_proof(signed, public_key) == []
    assert verify_independently(signed, public_key) is True
