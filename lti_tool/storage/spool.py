"""The upload spool: bytes of chunked uploads still arriving, one file per session on disk.

A chunk is written at the offset the client names, so a chunk sent again after a dropped
connection overwrites the same bytes instead of appending a second copy. With several web
hosts the spool folder must be shared (or uploads routed to one host).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import IO, BinaryIO

from lti_tool.storage.local import CHUNK_BYTES, too_large_error

_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class LocalUploadSpool:
    """``UploadSpool`` in a folder (``instance/uploads`` by default)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, session_id: str) -> Path:
        if not _ID.fullmatch(session_id):
            raise ValueError(f"Invalid upload session id: {session_id!r}")
        return self._root / f"{session_id}.part"

    def write_at(self, session_id: str, offset: int, stream: IO[bytes], max_bytes: int) -> int:
        path = self._path(session_id)
        self._root.mkdir(parents=True, exist_ok=True)
        with open(path, "r+b" if path.exists() else "w+b") as spool:
            spool.truncate(offset)
            spool.seek(offset)
            written = 0
            while chunk := stream.read(CHUNK_BYTES):
                written += len(chunk)
                if written > max_bytes:
                    spool.truncate(offset)
                    raise too_large_error(max_bytes)
                spool.write(chunk)
            spool.flush()
            os.fsync(spool.fileno())
            return offset + written

    def open(self, session_id: str) -> BinaryIO:
        return open(self._path(session_id), "rb")

    def discard(self, session_id: str) -> None:
        self._path(session_id).unlink(missing_ok=True)
