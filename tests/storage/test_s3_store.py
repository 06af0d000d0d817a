"""S3EvidenceStore against a real S3-compatible server (moto in server mode on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from lti_tool.domain.errors import UploadRejectedError
from lti_tool.ports import EvidenceStore
from lti_tool.storage.local import CHUNK_BYTES
from lti_tool.storage.s3 import S3EvidenceStore
from tests.storage.streams import MIB, GeneratedStream, generated_sha256

REGION = "us-east-1"
KEY = "0b6f2a5e-8f0c-4d7e-9a51-3c1de2f0a9b4/6a1f7c3e-2b4d-4e8f-a0c5-7d9e1b3f5a27"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto S3 server on a free loopback port, with dummy credentials and no user AWS config."""
    nowhere = tmp_path_factory.mktemp("aws") / "absent"
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.setenv("AWS_CONFIG_FILE", str(nowhere))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture
def s3(endpoint: str) -> Any:
    """A client of our own to look at the bucket directly (not through the store)."""
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION)


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def store(endpoint: str, bucket: str) -> S3EvidenceStore:
    # No client given: the store makes its own on first use, as in production.
    return S3EvidenceStore(bucket=bucket, prefix="evidence/", endpoint_url=endpoint, region=REGION)


def object_names(s3: Any, bucket: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def open_uploads(s3: Any, bucket: str) -> list[str]:
    return [item["Key"] for item in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


def test_it_satisfies_the_port(store: S3EvidenceStore) -> None:
    port: EvidenceStore = store
    assert port is store


def test_building_a_store_does_not_connect() -> None:
    store = S3EvidenceStore(bucket="unused", endpoint_url="http://127.0.0.1:9", region=REGION)
    assert isinstance(store, S3EvidenceStore)


def test_round_trip_records_size_and_sha256(store: S3EvidenceStore, s3: Any, bucket: str) -> None:
    data = b"RIFF" + bytes(range(256)) * 40
    stored = store.put(KEY, io.BytesIO(data), MIB)
    sha256 = hashlib.sha256(data).hexdigest()
    assert (stored.key, stored.size_bytes, stored.sha256) == (KEY, len(data), sha256)
    assert store.exists(KEY)
    assert store.stored_sha256(KEY) == sha256
    assert s3.head_object(Bucket=bucket, Key=f"evidence/{KEY}")["Metadata"] == {"sha256": sha256}
    with store.open(KEY) as handle:
        assert handle.read(4) == b"RIFF"
        assert handle.read() == data[4:]
    assert object_names(s3, bucket) == [f"evidence/{KEY}"]


def test_a_large_file_is_streamed_as_a_multipart_upload(
    store: S3EvidenceStore, s3: Any, bucket: str
) -> None:
    size = 12 * MIB + 12_345  # over boto3's 8 MiB multipart threshold
    source = GeneratedStream(size)
    stored = store.put(KEY, io.BufferedReader(source), 20 * MIB)
    expected = generated_sha256(size)
    assert source.largest_read <= CHUNK_BYTES
    assert (stored.size_bytes, stored.sha256) == (size, expected)
    assert store.stored_sha256(KEY) == expected
    digest = hashlib.sha256()
    read = 0
    with store.open(KEY) as handle:
        while chunk := handle.read(MIB):
            digest.update(chunk)
            read += len(chunk)
    assert (read, digest.hexdigest()) == (size, expected)
    assert object_names(s3, bucket) == [f"evidence/{KEY}"]  # no staging object left
    assert open_uploads(s3, bucket) == []


@pytest.mark.parametrize(
    ("size", "limit"),
    [(5_000, 4_000), (12 * MIB, 9 * MIB)],  # refused before any request; refused mid-multipart
    ids=["small", "multipart"],
)
def test_an_upload_over_the_limit_is_refused_and_leaves_nothing(
    store: S3EvidenceStore, s3: Any, bucket: str, size: int, limit: int
) -> None:
    with pytest.raises(UploadRejectedError) as refused:
        store.put(KEY, io.BufferedReader(GeneratedStream(size)), limit)
    assert refused.value.too_large
    assert refused.value.status_hint == 413
    assert "MB upload limit" in refused.value.message
    assert not store.exists(KEY)
    assert object_names(s3, bucket) == []
    assert open_uploads(s3, bucket) == []


def test_objects_are_never_overwritten(store: S3EvidenceStore, s3: Any, bucket: str) -> None:
    store.put(KEY, io.BytesIO(b"first"), 100)
    with pytest.raises(FileExistsError):
        store.put(KEY, io.BytesIO(b"second"), 100)
    with store.open(KEY) as handle:
        assert handle.read() == b"first"
    assert object_names(s3, bucket) == [f"evidence/{KEY}"]


def test_delete_is_idempotent(store: S3EvidenceStore, s3: Any, bucket: str) -> None:
    store.delete(KEY)
    store.put(KEY, io.BytesIO(b"x"), 10)
    store.delete(KEY)
    store.delete(KEY)
    assert not store.exists(KEY)
    assert object_names(s3, bucket) == []


def test_opening_a_missing_object_raises_file_not_found(store: S3EvidenceStore) -> None:
    with pytest.raises(FileNotFoundError):
        store.open(KEY)
    with pytest.raises(FileNotFoundError):
        store.stored_sha256(KEY)
    assert not store.exists(KEY)


def test_a_prefix_without_slash_still_makes_a_folder(endpoint: str, s3: Any, bucket: str) -> None:
    store = S3EvidenceStore(bucket=bucket, prefix="files", endpoint_url=endpoint, region=REGION)
    store.put(KEY, io.BytesIO(b"x"), 10)
    assert object_names(s3, bucket) == [f"files/{KEY}"]


@pytest.mark.parametrize("key", ["../x", "/abs/key", "a//b", ".incoming/x", "a b"])
def test_unsafe_keys_are_refused(store: S3EvidenceStore, s3: Any, bucket: str, key: str) -> None:
    with pytest.raises(ValueError, match="Invalid evidence key"):
        store.put(key, io.BytesIO(b"x"), 10)
    with pytest.raises(ValueError, match="Invalid evidence key"):
        store.open(key)
    assert object_names(s3, bucket) == []


def test_a_given_client_is_used_as_is(bucket: str, s3: Any) -> None:
    store = S3EvidenceStore(bucket=bucket, client=s3)
    stored = store.put(KEY, io.BytesIO(b"given client"), 100)
    assert stored.sha256 == hashlib.sha256(b"given client").hexdigest()
    assert store.client is s3
