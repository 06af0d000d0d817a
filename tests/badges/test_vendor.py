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


def test_every_vendored_file_matches_its_manifest_hash() -> None:
    entries = json.loads((VENDOR / "manifest.json").read_text())["documents"]
    assert entries
    for entry in entries:
        raw = (VENDOR / entry["file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"], entry["file"]
        assert len(raw) == entry["bytes"], entry["file"]
        assert entry["url"].startswith("https://")
        assert entry["source"]


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
