"""Evidence files in a folder on local disk: the default store for a single-host install.

Uploads are streamed to a temporary file next to their final place, counted and hashed on the
way, flushed to disk, and only then linked into place, so a reader never sees half a file and a
refused upload leaves nothing behind. Objects are immutable: a key is written once.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO

from lti_tool.domain.errors import UploadRejectedError
from lti_tool.ports import StoredObject

CHUNK_BYTES = 1024 * 1024
MAX_KEY_CHARS = 512
_MIB = 1024 * 1024
# Path segments of letters, digits, ".", "_" and "-", not starting with a dot: this excludes
# "..", ".", hidden names (our temporary files) and, with no leading "/", absolute paths.
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
# Filesystems without hard links (some network and FUSE mounts) answer with one of these.
_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS, errno.EXDEV}
)


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative object key, else raise ``ValueError``.

    Keys become file paths and object names, so anything that could climb out of the store's
    folder or hide among its temporary files is refused before any I/O.
    """
    if len(key) > MAX_KEY_CHARS or not _KEY.fullmatch(key):
        raise ValueError(f"Invalid evidence key: {key!r}")
    return key


def size_in_mb(size_bytes: int) -> str:
    """A byte count as people read it in a limit ("500 MB", "1.5 MB")."""
    megabytes = size_bytes / _MIB
    return f"{megabytes:,.0f} MB" if megabytes >= 10 else f"{megabytes:.3g} MB"


def too_large_error(max_bytes: int) -> UploadRejectedError:
    """The refusal both stores raise when an upload passes the size limit."""
    return UploadRejectedError(
        f"This file is larger than the {size_in_mb(max_bytes)} upload limit.", too_large=True
    )


def _fsync_folder(folder: Path) -> None:
    """Make a new directory entry durable; not possible (nor needed) on every platform."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _move_into_place(temporary: Path, target: Path) -> None:
    """Give ``temporary`` the name ``target`` without ever replacing an existing object.

    A hard link fails atomically when the name exists. Where links are unsupported we fall back
    to check-then-rename, which is only racy for two writers of the same (random) key.
    """
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "Evidence object already exists", str(target)) from None
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        if target.exists():
            raise FileExistsError(
                errno.EEXIST, "Evidence object already exists", str(target)
            ) from None
        os.replace(temporary, target)


class LocalEvidenceStore:
    """``EvidenceStore`` over a folder; keys map to relative paths under ``root``."""

    def __init__(self, root: Path) -> None:
        self._root = Path(root)

    def _path(self, key: str) -> Path:
        return self._root / check_key(key)

    def put(self, key: str, stream: BinaryIO, max_bytes: int) -> StoredObject:
        """Stream ``stream`` into a new object at ``key``, 1 MiB at a time.

        Raises:
            ValueError: ``key`` is not a safe key.
            FileExistsError: an object with this key exists; it is left untouched.
            UploadRejectedError: the stream is longer than ``max_bytes``; nothing is kept.
        """
        target = self._path(key)
        if target.exists():
            raise FileExistsError(errno.EEXIST, "Evidence object already exists", str(target))
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
        temporary = Path(temporary_name)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(descriptor, "wb") as out:
                while chunk := stream.read(CHUNK_BYTES):
                    size += len(chunk)
                    if size > max_bytes:
                        raise too_large_error(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            _move_into_place(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_folder(target.parent)
        return StoredObject(key=key, size_bytes=size, sha256=digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        """A binary file object for reading; the caller closes it.

        Raises:
            FileNotFoundError: no object has this key.
        """
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, "No such evidence object", key)
        return path.open("rb")

    def delete(self, key: str) -> None:
        """Remove the object; a missing object is already what the caller wants."""
        path = self._path(key)
        if not path.is_dir():
            path.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether an object (not a half-written upload) is stored under ``key``."""
        return self._path(key).is_file()
