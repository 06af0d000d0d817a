"""Evidence files in an S3-compatible bucket, for installs with more than one web host.

An upload is streamed (multipart, bounded memory) to a staging key while it is counted and
hashed, then copied server-side to its final key with the SHA-256 in the object metadata, and the
staging object is removed. The final key is therefore written once, complete and with its hash,
and a refused or failed upload never appears under it. Leftover staging objects (a crash between
the steps) live under ``<prefix>.incoming/``, where a bucket lifecycle rule can expire them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from lti_tool.ports import StoredObject
from lti_tool.storage.local import CHUNK_BYTES, check_key, too_large_error

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

_MIB = 1024 * 1024
# The classic (pure Python) transfer manager, whose memory bound we rely on: for a non-seekable
# stream at most 4 parts of 8 MiB wait in memory, whatever the file size.
UPLOAD_CONFIG = TransferConfig(max_concurrency=4, preferred_transfer_client="classic")
UPLOAD_CONFIG.max_in_memory_upload_chunks = 4
# One CopyObject call up to S3's 5 GiB limit; multipart copy beyond it.
COPY_CONFIG = TransferConfig(
    multipart_threshold=5 * 1024 * _MIB,
    multipart_chunksize=512 * _MIB,
    preferred_transfer_client="classic",
)
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
logger = logging.getLogger(__name__)


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")) in _MISSING_CODES


class _CountingReader(io.RawIOBase):
    """Hands the upload's bytes to boto3, hashing and counting them, and stops past the limit.

    ``read`` fills the requested size (looping over short reads) because boto3 uses each read
    as one multipart part, and S3 refuses parts under 5 MiB except the last.
    """

    def __init__(self, stream: BinaryIO, max_bytes: int) -> None:
        super().__init__()
        self._stream = stream
        self._max_bytes = max_bytes
        self.digest = hashlib.sha256()
        self.size = 0
        self.exceeded = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = size if size >= 0 else None
        while wanted is None or wanted > 0:
            chunk = self._stream.read(CHUNK_BYTES if wanted is None else min(wanted, CHUNK_BYTES))
            if not chunk:
                break
            self.size += len(chunk)
            if self.size > self._max_bytes:
                self.exceeded = True
                raise too_large_error(self._max_bytes)
            self.digest.update(chunk)
            parts.append(chunk)
            if wanted is not None:
                wanted -= len(chunk)
        return b"".join(parts)


class _BodyReader(io.RawIOBase):
    """A botocore ``StreamingBody`` as a raw stream, so it can sit in an ``io.BufferedReader``."""

    def __init__(self, body: Any) -> None:
        super().__init__()
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        target = memoryview(buffer).cast("B")
        chunk: bytes = self._body.read(len(target))
        target[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3EvidenceStore:
    """``EvidenceStore`` over a bucket; keys become object names under ``prefix``."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "evidence/",
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any | None = None,
    ) -> None:
        self._bucket = bucket
        self._prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self._endpoint_url = endpoint_url
        self._region = region
        self._client: S3Client | None = client
        self._lock = threading.Lock()

    @property
    def client(self) -> S3Client:
        """The boto3 client, created on first use so that importing or building never connects."""
        with self._lock:
            if self._client is None:
                self._client = boto3.client(
                    "s3", endpoint_url=self._endpoint_url, region_name=self._region
                )
            return self._client

    def _name(self, key: str) -> str:
        return self._prefix + check_key(key)

    def _head(self, key: str) -> HeadObjectOutputTypeDef | None:
        try:
            return self.client.head_object(Bucket=self._bucket, Key=self._name(key))
        except ClientError as error:
            if _is_missing(error):
                return None
            raise

    def _refuse_existing(self, key: str) -> None:
        if self._head(key) is not None:
            raise FileExistsError(f"Evidence object already exists: {key}")

    def put(self, key: str, stream: BinaryIO, max_bytes: int) -> StoredObject:
        """Stream ``stream`` into a new object at ``key``.

        The key is checked before the upload and again before the copy; only two writers racing
        on the same (random) key could slip between the second check and the copy.

        Raises:
            ValueError: ``key`` is not a safe key.
            FileExistsError: an object with this key exists; it is left untouched.
            UploadRejectedError: the stream is longer than ``max_bytes``; nothing is kept.
        """
        name = self._name(key)
        self._refuse_existing(key)
        staging = f"{self._prefix}.incoming/{uuid.uuid4().hex}"
        reader = _CountingReader(stream, max_bytes)
        try:
            # A failed multipart upload is aborted by boto3 before this call returns.
            self.client.upload_fileobj(
                cast("BinaryIO", reader), self._bucket, staging, Config=UPLOAD_CONFIG
            )
            self._refuse_existing(key)
            sha256 = reader.digest.hexdigest()
            self.client.copy(
                {"Bucket": self._bucket, "Key": staging},
                self._bucket,
                name,
                ExtraArgs={
                    "Metadata": {"sha256": sha256},
                    "MetadataDirective": "REPLACE",
                    # S3 records its own SHA-256 of the copy; boto3 then verifies every download.
                    "ChecksumAlgorithm": "SHA256",
                },
                Config=COPY_CONFIG,
            )
        except BaseException:
            self._discard(staging)
            if reader.exceeded:
                raise too_large_error(max_bytes) from None
            raise
        self._discard(staging)
        return StoredObject(key=key, size_bytes=reader.size, sha256=sha256)

    def _discard(self, staging: str) -> None:
        """Remove a staging object; a failure here must not hide the outcome of the upload."""
        try:
            self.client.delete_object(Bucket=self._bucket, Key=staging)
        except (ClientError, BotoCoreError):
            logger.warning("Could not remove staging object %s", staging, exc_info=True)

    def open(self, key: str) -> BinaryIO:
        """A buffered binary stream over the object's body; the caller closes it.

        Raises:
            FileNotFoundError: no object has this key.
        """
        try:
            response = self.client.get_object(Bucket=self._bucket, Key=self._name(key))
        except ClientError as error:
            if _is_missing(error):
                raise FileNotFoundError(f"No such evidence object: {key}") from error
            raise
        return io.BufferedReader(_BodyReader(response["Body"]), CHUNK_BYTES)

    def stored_sha256(self, key: str) -> str | None:
        """The SHA-256 recorded in the object's metadata when it was stored (for audits)."""
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(f"No such evidence object: {key}")
        return head.get("Metadata", {}).get("sha256")

    def delete(self, key: str) -> None:
        """Remove the object; S3 answers a delete of a missing object with success too."""
        self.client.delete_object(Bucket=self._bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key`` (a HEAD request)."""
        return self._head(key) is not None
