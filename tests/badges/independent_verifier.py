"""A second eddsa-rdfc-2022 verifier, written from the spec without our issuing code.

It uses only PyLD, cryptography, hashlib and the vendored context files, which it reads
itself (its own URL table, its own loader, its own base58), so a bug shared with
``lti_tool.badges`` cannot make both agree on a wrong answer.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld

VENDOR = Path(__file__).resolve().parents[2] / "lti_tool" / "badges" / "vendor"
FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
}
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    if url not in FILES:
        raise LookupError(f"independent verifier holds no copy of {url}")
    document = json.loads((VENDOR / FILES[url]).read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _nquads(data: dict[str, Any]) -> bytes:
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader}
    return str(jsonld.normalize(data, options)).encode("utf-8")


def _b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + B58.index(char)
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + number.to_bytes((number.bit_length() + 7) // 8, "big")


def verify_independently(credential: dict[str, Any], public_key: Ed25519PublicKey) -> bool:
    """True only if the embedded eddsa-rdfc-2022 proof verifies with ``public_key``."""
    proof = dict(credential["proof"])
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != ("eddsa-rdfc-2022"):
        return False
    value = proof.pop("proofValue")
    if not value.startswith("z"):
        return False
    document = {k: v for k, v in credential.items() if k != "proof"}
    proof["@context"] = credential["@context"]
    try:
        data = hashlib.sha256(_nquads(proof)).digest() + hashlib.sha256(_nquads(document)).digest()
        public_key.verify(_b58decode(value[1:]), data)
    except (InvalidSignature, jsonld.JsonLdError, ValueError):
        return False
    return True
