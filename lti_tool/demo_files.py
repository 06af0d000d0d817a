"""Small but real sample files for the demo district, one per accepted media family.

Each is a valid file of its kind (the upload check reads the bytes), made here so the repository
carries no binaries.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from lti_tool.domain.media import MediaFamily


def sample_pdf(title: str) -> bytes:
    """A one-page PDF showing ``title``."""
    safe = title.replace("\\", "").replace("(", "").replace(")", "")[:80]
    stream = f"BT /F1 18 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def sample_png(width: int = 8, height: int = 8) -> bytes:
    """A small solid-colour PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x1f\x6f\xb4" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sample_mp4() -> bytes:
    """An MP4 container with an ``ftyp`` box and an empty ``mdat`` (enough to identify it)."""
    ftyp = b"ftyp" + b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    mdat = b"mdat" + b"\x00" * 64
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", len(mdat) + 4) + mdat


def sample_mp3() -> bytes:
    """An ID3v2 tag followed by silent MPEG-1 Layer III frames."""
    id3 = b"ID3\x03\x00\x00\x00\x00\x00\x00"
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    return id3 + frame * 4


def sample_docx(text: str) -> bytes:
    """A minimal Word document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
            + text.replace("&", "&amp;").replace("<", "&lt;")
            + "</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def sample_file(family: MediaFamily, title: str) -> tuple[str, bytes]:
    """A file name and bytes of the given family."""
    stem = (
        "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")[:40] or "evidence"
    )
    if family is MediaFamily.PDF:
        return f"{stem}.pdf", sample_pdf(title)
    if family is MediaFamily.IMAGE:
        return f"{stem}.png", sample_png()
    if family is MediaFamily.VIDEO:
        return f"{stem}.mp4", sample_mp4()
    if family is MediaFamily.AUDIO:
        return f"{stem}.mp3", sample_mp3()
    return f"{stem}.docx", sample_docx(title)
