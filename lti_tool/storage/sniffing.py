"""Reading a file's true type from its first bytes, so a renamed file cannot pass as another.

``filetype`` knows the signatures but looks at only the first 8 KiB and, for Office Open XML,
only at the first five ZIP entries. Files written by tools other than Microsoft Office can put
``word/``, ``xl/`` or ``ppt/`` parts later, so a ZIP it cannot name is looked at again over the
whole head the service passes (64 KiB). A legacy Office file whose streams are not where
``filetype`` expects them is reported as a generic OLE compound file.
"""

from __future__ import annotations

import struct

import filetype

ZIP_MAGIC = b"PK\x03\x04"
ZIP_MIME = "application/zip"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_MIME = "application/x-ole-storage"
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, skipped fields, name length, extra length

OOXML_PARTS: tuple[tuple[str, str], ...] = (
    ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)


def zip_entry_names(head: bytes) -> list[str]:
    """Names of the ZIP local file headers found in ``head``, in order.

    Searching for the signature (rather than walking entry sizes) also works for entries that
    keep their sizes in a trailing data descriptor, as streaming ZIP writers do.
    """
    names: list[str] = []
    index = head.find(ZIP_MAGIC)
    while index != -1 and index + _LOCAL_HEADER.size <= len(head):
        _, name_length, _ = _LOCAL_HEADER.unpack_from(head, index)
        start = index + _LOCAL_HEADER.size
        raw = head[start : start + name_length]
        if len(raw) == name_length:
            names.append(raw.decode("utf-8", errors="replace"))
        index = head.find(ZIP_MAGIC, index + len(ZIP_MAGIC))
    return names


def ooxml_type(head: bytes) -> str | None:
    """The Office Open XML type of a ZIP head, from the first entry inside an Office part folder."""
    for name in zip_entry_names(head):
        for folder, mime in OOXML_PARTS:
            if name.startswith(folder):
                return mime
    return None


class FiletypeSniffer:
    """``ContentSniffer`` backed by the ``filetype`` signature library."""

    def sniff(self, head: bytes) -> str | None:
        """The MIME type ``head`` reveals, or ``None`` when no signature matches.

        Args:
            head: the first bytes of the file; 64 KiB is enough for every type we accept.
        """
        if not head:
            return None
        kind = filetype.guess(bytes(head))
        mime: str | None = str(kind.mime) if kind is not None else None
        if mime in (None, ZIP_MIME) and head.startswith(ZIP_MAGIC):
            return ooxml_type(head) or mime
        if mime is None and head.startswith(OLE_MAGIC):
            return OLE_MIME
        return mime
