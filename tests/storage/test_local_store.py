"""LocalEvidenceStore on a real temporary folder: streaming, limits, immutability, key safety."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from pathlib import Path

import pytest

from lti_tool.domain.errors import UploadRejectedError
from lti_tool.ports import EvidenceStore
from lti_tool.storage.local import CHUNK_BYTES, LocalEvidenceStore
from tests.storage.streams import MIB, GeneratedStream, generated_sha256

KEY = "0b6f2a5e-8f0c-4d7e-9a51-3c1de2f0a9b4/6a1f7c3e-2b4d-4e8f-a0c5-7d9e1b3f5a27"


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def store(root: Path) -> LocalEvidenceStore:
    return LocalEvidenceStore(root)


def test_it_satisfies_the_port(store: LocalEvidenceStore) -> None:
    port: EvidenceStore = store
    assert port is store


def test_the_folder_is_made_on_first_put_only(root: Path, store: LocalEvidenceStore) -> None:
    assert not root.exists()
    assert not store.exists(KEY)
    assert not root.exists()
    store.put(KEY, io.BytesIO(b"x"), 10)
    assert root.is_dir()


def test_round_trip_reports_size_and_sha256(store: LocalEvidenceStore) -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 10
    stored = store.put(KEY, io.BytesIO(data), 1 * MIB)
    assert stored.key == KEY
    assert stored.size_bytes == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert store.exists(KEY)
    with store.open(KEY) as handle:
        assert handle.read() == data


def test_an_empty_stream_is_stored_as_an_empty_object(store: LocalEvidenceStore) -> None:
    stored = store.put(KEY, io.BytesIO(b""), 10)
    assert (stored.size_bytes, stored.sha256) == (0, hashlib.sha256(b"").hexdigest())


def test_a_large_file_is_streamed_in_chunks_with_bounded_memory(
    root: Path, store: LocalEvidenceStore
) -> None:
    size = 12 * MIB + 12_345
    source = GeneratedStream(size)
    tracemalloc.start()
    try:
        stored = store.put(KEY, io.BufferedReader(source), 20 * MIB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert source.largest_read <= CHUNK_BYTES
    assert peak < 4 * MIB
    assert stored.size_bytes == size
    assert stored.sha256 == generated_sha256(size)
    assert (root / KEY).stat().st_size == size
    assert files_under(root) == [root / KEY]


def test_a_file_at_the_limit_is_accepted(store: LocalEvidenceStore) -> None:
    assert store.put(KEY, io.BytesIO(b"a" * 1000), 1000).size_bytes == 1000


def test_an_upload_over_the_limit_is_refused_and_leaves_nothing(
    root: Path, store: LocalEvidenceStore
) -> None:
    with pytest.raises(UploadRejectedError) as refused:
        store.put(KEY, io.BufferedReader(GeneratedStream(3 * MIB)), 2 * MIB)
    assert refused.value.too_large
    assert refused.value.status_hint == 413
    assert "2 MB" in refused.value.message
    assert not store.exists(KEY)
    assert files_under(root) == []


def test_objects_are_never_overwritten(store: LocalEvidenceStore) -> None:
    store.put(KEY, io.BytesIO(b"first"), 100)
    with pytest.raises(FileExistsError):
        store.put(KEY, io.BytesIO(b"second"), 100)
    with store.open(KEY) as handle:
        assert handle.read() == b"first"


def test_delete_is_idempotent(root: Path, store: LocalEvidenceStore) -> None:
    store.delete(KEY)  # nothing stored yet, not even the folder
    store.put(KEY, io.BytesIO(b"x"), 10)
    store.delete(KEY)
    store.delete(KEY)
    assert not store.exists(KEY)
    assert files_under(root) == []


def test_opening_a_missing_object_raises_file_not_found(store: LocalEvidenceStore) -> None:
    with pytest.raises(FileNotFoundError):
        store.open(KEY)
    store.put(KEY, io.BytesIO(b"x"), 10)
    submission_folder = KEY.partition("/")[0]
    with pytest.raises(FileNotFoundError):
        store.open(submission_folder)  # a folder is not an object
    assert not store.exists(submission_folder)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "..",
        "../outside",
        "a/../../outside",
        "a/./b",
        "/etc/passwd",
        "a//b",
        "a/",
        ".hidden",
        "a/.b.part",
        "a\\b",
        "C:/x",
        "a b",
        "caf\u00e9",
        "a\nb",
        "a\x00b",
        "x" * 600,
    ],
)
def test_unsafe_keys_are_refused_before_any_io(root: Path, key: str) -> None:
    store = LocalEvidenceStore(root)
    with pytest.raises(ValueError, match="Invalid evidence key"):
        store.put(key, io.BytesIO(b"x"), 10)
    with pytest.raises(ValueError, match="Invalid evidence key"):
        store.open(key)
    with pytest.raises(ValueError, match="Invalid evidence key"):
        store.delete(key)
    with pytest.raises(ValueError, match="Invalid evidence key"):
        store.exists(key)
    assert not root.exists()


def test_plain_file_names_are_valid_keys(store: LocalEvidenceStore) -> None:
    stored = store.put("submission-1/evidence_2.v1", io.BytesIO(b"x"), 10)
    assert store.exists(stored.key)
