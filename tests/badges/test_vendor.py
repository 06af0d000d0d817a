"""Vendored contexts: hashes match the manifest, and nothing else is ever fetched."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import pytest

from lti_tool.badges.jsonld import (
    CanonicalizationError,
    UnknownDocumentError,
    canonicalize,
    load_document,
    manifest,
    vendored_urls,
)

VENDOR = Path(__file__).resolve().parents[2] / "lti_tool" / "badges" / "vendor"

# The SHA-256 of each file as its publisher serves it (W3C, w3id.org, 1EdTech), recorded here
# independently of manifest.json so a context cannot change together with its manifest entry.
PUBLISHED_SHA256 = {
    "https://www.w3.org/ns/credentials/v2": (
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    ),
    "https://www.w3.org/ns/credentials/examples/v2": (
        "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c"
    ),
    "https://w3id.org/security/data-integrity/v2": (
        "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4"
    ),
    "https://w3id.org/security/multikey/v1": (
        "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597"
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": (
        "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84"
    ),
}


def test_every_vendored_file_matches_its_manifest_hash() -> None:
    entries = json.loads((VENDOR / "manifest.json").read_text())["documents"]
    assert entries
    for entry in entries:
        raw = (VENDOR / entry["file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"], entry["file"]
        assert len(raw) == entry["bytes"], entry["file"]
        assert entry["url"].startswith("https://")
        assert entry["source"]


def test_vendored_contexts_are_the_published_files_byte_for_byte() -> None:
    by_url = {entry["url"]: entry for entry in manifest()}
    for url, digest in PUBLISHED_SHA256.items():
        raw = (VENDOR / by_url[url]["file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == digest, url
        assert by_url[url]["matches_published_digest"] is True


def test_every_file_in_the_vendor_folder_is_in_the_manifest() -> None:
    listed = {entry["file"] for entry in manifest()} | {"manifest.json"}
    assert {path.name for path in VENDOR.iterdir()} == listed


def test_the_contexts_the_credentials_need_are_served() -> None:
    assert {
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://w3id.org/security/multikey/v1",
        "https://w3id.org/security/data-integrity/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    } <= vendored_urls()
    served = load_document("https://w3id.org/security/multikey/v1")
    assert served["documentUrl"] == "https://w3id.org/security/multikey/v1"
    assert "Multikey" in served["document"]["@context"]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any attempt to open a connection is recorded and fails."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    return attempts


def test_unknown_context_is_refused_without_touching_the_network(no_network: list[object]) -> None:
    with pytest.raises(UnknownDocumentError) as refused:
        load_document("https://example.com/evil-context.jsonld")
    assert refused.value.url == "https://example.com/evil-context.jsonld"

    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://example.com/ctx.jsonld"],
        "id": "urn:uuid:1",
        "type": "VerifiableCredential",
    }
    with pytest.raises(CanonicalizationError, match=r"https://example.com/ctx.jsonld"):
        canonicalize(document)
    assert no_network == []
