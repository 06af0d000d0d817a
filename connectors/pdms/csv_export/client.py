"""Files for the CSV export target: written to a folder atomically (no HTTP)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class ExportFolder:
    """A folder the district's import job reads. Writing the same name again replaces it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, name: str, data: bytes) -> Path:
        """Write to a temporary file, fsync, then rename into place (readers never see half)."""
        self.path.mkdir(parents=True, exist_ok=True)
        target = self.path / name
        handle, temporary = tempfile.mkstemp(dir=self.path, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            Path(temporary).replace(target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    def has(self, name: str) -> bool:
        return (self.path / name).is_file()
