"""Streams for storage tests: large files made as they are read, never held whole."""

from __future__ import annotations

import hashlib
import io
import random

MIB = 1024 * 1024
PATTERN = random.Random(7).randbytes(65_521)  # a prime length, so reads never line up with it


class GeneratedStream(io.RawIOBase):
    """``size`` bytes of a repeating pattern, made as they are read; never holds the whole file."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.remaining = size
        self.position = 0
        self.largest_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        self.largest_read = max(self.largest_read, len(view))
        count = min(len(view), self.remaining)
        written = 0
        while written < count:
            offset = self.position % len(PATTERN)
            piece = PATTERN[offset : offset + count - written]
            view[written : written + len(piece)] = piece
            written += len(piece)
            self.position += len(piece)
        self.remaining -= count
        return count


def generated_sha256(size: int) -> str:
    digest = hashlib.sha256()
    stream = GeneratedStream(size)
    while chunk := stream.read(MIB):
        digest.update(chunk)
    return digest.hexdigest()
