"""JSON-LD processing from vendored documents only: a verifier must never need the network.

The document loader serves the files listed in ``vendor/manifest.json`` and refuses every
other URL with :class:`UnknownDocumentError`. Parsed documents stay in memory, and PyLD keeps
its own cache of resolved contexts, so after the first credential the contexts cost nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any, TypedDict

from pyld import jsonld


class RemoteDocument(TypedDict):
    """What PyLD expects a document loader to return.

    ``tag: "static"`` tells PyLD the document never changes, so it keeps the *resolved*
    context in its process-wide cache instead of re-processing it for every call.
    """

    contextUrl: None
    documentUrl: str
    document: Any
    tag: str


class UnknownDocumentError(Exception):
    """A JSON-LD document was asked for that is not vendored; nothing was fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"JSON-LD document {url!r} is not vendored in lti_tool/badges/vendor; "
            "refusing to fetch it (no network, ever)"
        )
        self.url = url


class CanonicalizationError(Exception):
    """The document could not be turned into RDF (bad JSON-LD or an unknown context)."""


def _vendor_bytes(name: str) -> bytes:
    return resources.files("lti_tool.badges").joinpath("vendor", name).read_bytes()


@functools.cache
def manifest() -> list[dict[str, Any]]:
    """The vendored files: url, file, sha256, bytes, source (parsed ``manifest.json``)."""
    data = json.loads(_vendor_bytes("manifest.json"))
    documents: list[dict[str, Any]] = data["documents"]
    return documents


@functools.cache
def _documents() -> Mapping[str, Any]:
    loaded: dict[str, Any] = {}
    for entry in manifest():
        if entry.get("kind") != "context":
            continue
        raw = _vendor_bytes(entry["file"])
        if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
            raise RuntimeError(f"vendored file {entry['file']} does not match its SHA-256")
        loaded[entry["url"]] = json.loads(raw)
    return loaded


def vendored_urls() -> frozenset[str]:
    """Every URL the loader will serve."""
    return frozenset(_documents())


def load_document(url: str, options: Mapping[str, Any] | None = None) -> RemoteDocument:
    """PyLD document loader: vendored documents only, else :class:`UnknownDocumentError`."""
    document = _documents().get(url)
    if document is None:
        raise UnknownDocumentError(url)
    return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}


_OPTIONS: dict[str, Any] = {
    "algorithm": "URDNA2015",
    "format": "application/n-quads",
    "documentLoader": load_document,
}


def canonicalize(document: Mapping[str, Any]) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0, identical output to URDNA2015) as N-Quads.

    Raises:
        CanonicalizationError: the JSON-LD is invalid or names a context we do not hold.
    """
    try:
        result = jsonld.normalize(dict(document), dict(_OPTIONS))
    except jsonld.JsonLdError as error:
        raise CanonicalizationError(_explain(error)) from error
    return str(result)


def _explain(error: BaseException) -> str:
    """The innermost useful message (PyLD wraps the loader's error a few times)."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, UnknownDocumentError):
            return str(current)
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else current.__cause__
    return str(error).splitlines()[0]


_PROBE_VOCAB = "urn:credbridge:undefined#"


def undefined_terms(document: Mapping[str, Any]) -> list[str]:
    """Terms the contexts do not define. JSON-LD drops them, so no proof would cover them.

    Canonicalises once more with a catch-all ``@vocab`` appended and lists the terms that
    land in it. Call it when issuing (an extension term needs its own vendored context).
    """
    contexts = document.get("@context", [])
    contexts = contexts if isinstance(contexts, list) else [contexts]
    probe = {**document, "@context": [*contexts, {"@vocab": _PROBE_VOCAB}]}
    found = re.findall(re.escape("<" + _PROBE_VOCAB) + r"([^>]+)>", canonicalize(probe))
    return sorted(set(found))
