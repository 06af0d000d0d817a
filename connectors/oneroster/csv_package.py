"""A OneRoster CSV package on disk, zipped or not, read as a stream (never loaded whole).

Accepts a zip with the files at its root or one folder deep, a zip holding one zip, or a folder
(files at its root or in one sub-folder). The text is UTF-8 with or without a byte-order mark;
a file that is not (an export made on Windows) is read as Windows-1252 from its first bad row,
row by row keeping the rows that are UTF-8, with one located ``NOT_UTF8`` warning.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from lti_tool.domain.roster.csv_rows import FILE_NAMES, PackageError, parse_manifest
from lti_tool.domain.roster.entities import Entity
from lti_tool.domain.roster.report import Problem, Severity
from lti_tool.ports import RawRow, RosterFeed

if TYPE_CHECKING:
    from _csv import Reader

BOM = b"\xef\xbb\xbf"
_WARN = Severity.WARNING


class CsvPackage:
    """A :class:`lti_tool.ports.RosterSource` over a zip file or a folder. Use it as a context
    manager: the zip is closed at the end."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        self._problems: list[Problem] = []
        self._manifest_version: str | None = None
        self._modes: dict[Entity, str] = {}
        self._spool: IO[bytes] | None = None

    def __enter__(self) -> CsvPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._zip is not None:
            self._zip.close()
        if self._spool is not None:
            self._spool.close()

    def describe(self) -> str:
        return self._path.name

    def problems(self) -> list[Problem]:
        return list(self._problems)

    def _names(self) -> list[str]:
        if self._zip is not None:
            return [name for name in self._zip.namelist() if not name.endswith("/")]
        return [
            str(path.relative_to(self._path)).replace("\\", "/")
            for path in self._path.rglob("*")
            if path.is_file() and len(path.relative_to(self._path).parts) <= 2
        ]

    def _open_binary(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            return self._zip.open(self._prefix + name)
        return (self._path / (self._prefix + name)).open("rb")

    def _locate(self) -> None:
        if not self._path.exists():
            raise PackageError(Problem("NOT_FOUND", f"{self._path} does not exist."))
        if self._path.is_file():
            try:
                self._zip = zipfile.ZipFile(self._path)
            except zipfile.BadZipFile as error:
                raise PackageError(
                    Problem("NOT_A_ZIP", f"{self._path.name} is neither a folder nor a zip file.")
                ) from error
            inner = [n for n in self._zip.namelist() if n.lower().endswith(".zip")]
            if "manifest.csv" not in self._zip.namelist() and len(inner) == 1:
                self._problems.append(
                    Problem(
                        "NESTED_ZIP",
                        f"The package is inside {inner[0]} within the zip; read from there.",
                        _WARN,
                    )
                )
                # Spooled to disk past 32 MiB: memory stays bounded whatever the inner size.
                spool = tempfile.SpooledTemporaryFile(max_size=32 << 20)  # noqa: SIM115
                with self._zip.open(inner[0]) as member:
                    shutil.copyfileobj(member, spool, 1 << 20)
                self._zip.close()
                self._spool = spool
                self._zip = zipfile.ZipFile(spool)
        names = self._names()
        if "manifest.csv" in names:
            return
        nested = [n for n in names if n.count("/") == 1 and n.endswith("/manifest.csv")]
        if len(nested) == 1:
            self._prefix = nested[0][: -len("manifest.csv")]
            self._problems.append(
                Problem(
                    "NESTED_FOLDER",
                    f"The files are in the folder "
                    f"{self._prefix!r}, not at the package's root; read "
                    "from there.",
                    _WARN,
                )
            )
            return
        raise PackageError(
            Problem(
                "MISSING_MANIFEST",
                "No manifest.csv at the package's root "
                "(or one folder down): this is not a OneRoster CSV package.",
                file="manifest.csv",
            )
        )

    def version(self) -> str:
        if self._manifest_version is None:
            self._locate()
            with self._text("manifest.csv") as text:
                manifest = parse_manifest(csv.reader(text))
            self._problems.extend(manifest.problems)
            self._manifest_version = manifest.version
            self._modes = dict(manifest.modes)
            present = set(self._names())
            for entity, mode in manifest.modes.items():
                if self._prefix + FILE_NAMES[entity] not in present:
                    self._problems.append(
                        Problem(
                            "FILE_MISSING",
                            f"The manifest lists "
                            f"{FILE_NAMES[entity]} as {mode} but the "
                            "package has no such file.",
                            file=FILE_NAMES[entity],
                        )
                    )
                    del self._modes[entity]
        return self._manifest_version

    def _text(
        self, name: str, encoding: str = "utf-8", errors: str = "replace", *, again: bool = False
    ) -> io.TextIOWrapper:
        """``name`` as text; ``again`` when it is re-opened (its BOM was reported already)."""
        raw = self._open_binary(name)
        head = raw.read(3)
        if head == BOM:
            if not again:
                self._problems.append(
                    Problem(
                        "BOM",
                        "The file starts with a byte-order mark; it was skipped.",
                        _WARN,
                        name,
                    )
                )
            head = b""
        stream = io.BufferedReader(_Prefixed(head, raw))
        return io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")

    def estimate_rows(self) -> int:
        """Line count of the files to import (a fast byte scan), for progress bars."""
        self.version()
        total = 0
        for entity in self._modes:
            with self._open_binary(FILE_NAMES[entity]) as raw:
                for chunk in iter(lambda: raw.read(1 << 20), b""):
                    total += chunk.count(b"\n")
        return total

    def feed(self, entity: Entity) -> RosterFeed | None:
        self.version()
        mode = self._modes.get(entity)
        if mode is None:
            return None
        name = FILE_NAMES[entity]
        text = self._text(name, errors="strict")
        reader = csv.reader(text)
        problems: list[Problem] = []

        def windows_1252() -> io.TextIOWrapper:
            # Latin-1 maps every byte to one character, so each row's bytes can be recovered
            # and decoded by :class:`_Fallback` as UTF-8 or Windows-1252.
            return self._text(name, "latin-1", "strict", again=True)

        utf8 = True
        try:
            try:
                header = next(reader)
            except UnicodeDecodeError:
                text.close()
                text, utf8 = windows_1252(), False
                reader = csv.reader(text)
                header = next(reader)
        except (StopIteration, csv.Error):
            text.close()
            problems.append(
                Problem(
                    "EMPTY_FILE",
                    "The file is empty (not even a header): it was skipped.",
                    file=name,
                    line=1,
                )
            )
            return RosterFeed(entity, mode, [], iter(()), problems)
        rows = _rows(reader, text, name, problems, windows_1252, utf8=utf8)
        return RosterFeed(entity, mode, header, rows, problems)


def _rows(
    reader: Reader,
    text: io.TextIOWrapper,
    name: str,
    problems: list[Problem],
    windows_1252: Callable[[], io.TextIOWrapper],
    *,
    utf8: bool = True,
) -> Iterator[RawRow]:
    """The file's rows. Read as UTF-8 until a byte is not UTF-8; then from the first row not yet
    given, read again as Windows-1252 (what SIS exports from Windows often are), row by row
    keeping UTF-8 where a row is UTF-8, and say which lines were not. ``utf8=False``: ``reader``
    already reads Windows-1252 (the header was not UTF-8)."""
    given = 1
    try:
        if utf8:
            try:
                for cells in reader:
                    if len(cells) < 2 and (not cells or not cells[0].strip()):
                        continue
                    given = reader.line_num
                    yield RawRow(given, cells)
                return
            except UnicodeDecodeError:
                text.close()
            text = windows_1252()
            reader = csv.reader(text)
        fallback = _Fallback()
        try:
            for cells in reader:
                if reader.line_num <= given or (
                    len(cells) < 2 and (not cells or not cells[0].strip())
                ):
                    continue
                yield RawRow(reader.line_num, fallback.cells(cells, reader.line_num))
        finally:
            if fallback.lines:
                problems.append(fallback.problem(name))
    except csv.Error as error:
        problems.append(
            Problem(
                "CSV_SYNTAX",
                f"The CSV cannot be read from here on ({error}); the rest of the file was skipped.",
                file=name,
                line=reader.line_num,
            )
        )
    finally:
        text.close()


class _Fallback:
    """Rows re-read as Windows-1252: a row whose bytes are UTF-8 after all gets its UTF-8 text
    back (a file mixing both stays right); the others are counted for one warning."""

    def __init__(self) -> None:
        self.lines = 0
        self.first = 0

    def cells(self, cells: list[str], line: int) -> list[str]:
        """``cells`` were read as Latin-1 (byte for byte): decode the row's bytes again."""
        if all(cell.isascii() for cell in cells):
            return cells
        raw = [cell.encode("latin-1") for cell in cells]
        try:
            return [cell.decode("utf-8") for cell in raw]
        except UnicodeDecodeError:
            self.lines += 1
            self.first = self.first or line
            return [_windows_1252(cell) for cell in raw]

    def problem(self, name: str) -> Problem:
        many = f"{self.lines} lines" if self.lines > 1 else "1 line"
        return Problem(
            "NOT_UTF8",
            f"The file is not UTF-8 ({many}, the first at line {self.first}): those lines were "
            "read as Windows-1252. Check accented names there, and export as UTF-8 next time.",
            _WARN,
            name,
            self.first,
        )


def _windows_1252(raw: bytes) -> str:
    """A cell's bytes as Windows-1252; the five bytes it leaves undefined (0x81, 0x8D, 0x8F, 0x90,
    0x9D) as Latin-1, as browsers do, so no character turns into U+FFFD and loses the row."""
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(
            chr(byte) if byte in _CP1252_UNDEFINED else bytes([byte]).decode("cp1252")
            for byte in raw
        )


_CP1252_UNDEFINED = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})


class _Prefixed(io.RawIOBase):
    """A raw stream that first gives back bytes already read, then the rest of ``inner``."""

    def __init__(self, head: bytes, inner: IO[bytes]) -> None:
        self._head = head
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()
