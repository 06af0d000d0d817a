"""FiletypeSniffer on real, minimal files built here, checked against the media rules."""

from __future__ import annotations

import io
import struct
import wave
import zipfile
import zlib
from typing import Any

import filetype
import pytest

from lti_tool.domain.media import (
    EXTENSIONS,
    MIME_TYPES,
    MediaFamily,
    content_matches_name,
    family_for_filename,
    family_for_mime,
)
from lti_tool.ports import ContentSniffer
from lti_tool.services.evidence import SNIFF_BYTES
from lti_tool.storage.sniffing import OLE_MAGIC, OLE_MIME, FiletypeSniffer

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XML = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


def sniff(data: bytes) -> str | None:
    """What the service would learn: the sniffer sees the first 64 KiB only."""
    return FiletypeSniffer().sniff(data[:SNIFF_BYTES])


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(animated: bool = False) -> bytes:
    """A valid 1x1 RGB PNG (optionally with the APNG animation control chunk)."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    actl = png_chunk(b"acTL", struct.pack(">II", 1, 0)) if animated else b""
    pixels = png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + header + actl + pixels + png_chunk(b"IEND", b"")


def pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (4, xref))
    return out.getvalue()


def jpeg() -> bytes:
    """SOI, a JFIF APP0 segment, and the end-of-image marker."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def gif() -> bytes:
    screen = struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + screen + image + b"\x3b"


def webp() -> bytes:
    body = b"WEBPVP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00\x00"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def ooxml(folder: str, main_part: str, content_type: str) -> bytes:
    """An Office Open XML package, entries in the order Microsoft Office writes them."""
    types = (
        XML + b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/'
        + f"{folder}/{main_part}".encode()
        + b'" ContentType="'
        + content_type.encode()
        + b'"/></Types>'
    )
    rels = (
        XML + b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/officeDocument" Target="'
        + f"{folder}/{main_part}".encode()
        + b'"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", types)
        package.writestr("_rels/.rels", rels)
        package.writestr(f"{folder}/{main_part}", XML + b"<root/>")
        package.writestr(f"{folder}/_rels/{main_part}.rels", XML + b"<Relationships/>")
        package.writestr("docProps/core.xml", XML + b"<cp:coreProperties/>")
        package.writestr("docProps/app.xml", XML + b"<Properties/>")
    return buffer.getvalue()


def docx_with_late_main_part() -> bytes:
    """A DOCX as other writers make it: the word/ part after 5 entries and past 8 KiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("_rels/.rels", XML + b"<Relationships/>")
        package.writestr("docProps/core.xml", XML + b"<cp:coreProperties/>")
        package.writestr("docProps/app.xml", XML + b"<Properties/>")
        package.writestr("docProps/custom.xml", XML + b"<Properties/>")
        package.writestr("customXml/item1.bin", bytes(range(256)) * 48, zipfile.ZIP_STORED)
        package.writestr("word/document.xml", XML + b"<w:document/>")
        package.writestr("[Content_Types].xml", XML + b"<Types/>")
    return buffer.getvalue()


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", XML + b"<office:document-content/>", zipfile.ZIP_DEFLATED)
        package.writestr("META-INF/manifest.xml", XML + b"<manifest/>", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes/readme.txt", "hello")
    return buffer.getvalue()


def iso_bmff(major: bytes, *compatible: bytes) -> bytes:
    """An ``ftyp`` box followed by an empty ``free`` box and the start of ``mdat``."""
    body = major + struct.pack(">I", 0x200) + b"".join(compatible)
    ftyp = struct.pack(">I", 8 + len(body)) + b"ftyp" + body
    return ftyp + struct.pack(">I", 8) + b"free" + struct.pack(">I", 16) + b"mdat" + bytes(8)


def webm() -> bytes:
    """An EBML header whose DocType is ``webm``, then the start of a Segment."""
    doc_type = b"\x42\x82\x84webm"
    fields = b"\x42\x86\x81\x01\x42\xf7\x81\x01" + doc_type + b"\x42\x87\x81\x04\x42\x85\x81\x02"
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(fields)]) + fields + b"\x18\x53\x80\x67\x80"


def wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(bytes(1600))
    return buffer.getvalue()


def mp3() -> bytes:
    """An ID3v2.4 tag with a title frame, then one silent MPEG-1 Layer III frame."""
    frame = b"TIT2" + struct.pack(">I", 6) + b"\x00\x00" + b"\x03Demo\x00"
    size = len(frame)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x04\x00\x00" + syncsafe + frame + b"\xff\xfb\x90\x64" + bytes(413)


def ogg() -> bytes:
    """A first Ogg page carrying a Vorbis identification header."""
    packet = b"\x01vorbis" + struct.pack("<IBIiii", 0, 1, 44100, 0, 128000, 0) + b"\xb8\x01"
    header = b"OggS\x00\x02" + bytes(8) + struct.pack("<IIIB", 1, 0, 0, 1) + bytes([len(packet)])
    return header + packet


def ole(marker_offset_bytes: bytes) -> bytes:
    """A compound file header with the first bytes of sector 1 set to ``marker_offset_bytes``."""
    header = OLE_MAGIC + bytes(16) + struct.pack("<HHH", 0x3E, 3, 0xFFFE) + bytes(512 - 30)
    return header + marker_offset_bytes + bytes(4096 - len(marker_offset_bytes))


def pe_executable() -> bytes:
    stub = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(46) + struct.pack("<I", 64)
    message = b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21This program cannot be run in DOS mode.\r\r\n$"
    return stub + message + b"PE\x00\x00\x4c\x01" + bytes(200)


ACCEPTED = [
    pytest.param(png(), "image/png", "evidence.png", id="png"),
    pytest.param(jpeg(), "image/jpeg", "photo.jpg", id="jpeg"),
    pytest.param(gif(), "image/gif", "anim.gif", id="gif"),
    pytest.param(webp(), "image/webp", "photo.webp", id="webp"),
    pytest.param(pdf(), "application/pdf", "portfolio.pdf", id="pdf"),
    pytest.param(ooxml("word", "document.xml", DOCX), DOCX, "plan.docx", id="docx"),
    pytest.param(ooxml("xl", "workbook.xml", XLSX), XLSX, "grades.xlsx", id="xlsx"),
    pytest.param(ooxml("ppt", "presentation.xml", PPTX), PPTX, "deck.pptx", id="pptx"),
    pytest.param(docx_with_late_main_part(), DOCX, "export.docx", id="docx-late-part"),
    pytest.param(odt(), "application/vnd.oasis.opendocument.text", "essay.odt", id="odt"),
    pytest.param(ole(b"\xec\xa5\xc1\x00"), "application/msword", "old.doc", id="doc"),
    pytest.param(
        ole(b"\x09\x08\x10\x00\x00\x06\x05\x00"), "application/vnd.ms-excel", "old.xls", id="xls"
    ),
    pytest.param(ole(b"\xa0\x46\x1d\xf0"), "application/vnd.ms-powerpoint", "old.ppt", id="ppt"),
    pytest.param(ole(b"\x00" * 8), OLE_MIME, "unusual.doc", id="ole-generic"),
    pytest.param(
        iso_bmff(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "video/mp4", "lesson.mp4", id="mp4"
    ),
    pytest.param(iso_bmff(b"qt  ", b"qt  "), "video/quicktime", "lesson.mov", id="mov"),
    pytest.param(iso_bmff(b"M4A ", b"M4A ", b"mp42", b"isom"), "audio/mp4", "talk.m4a", id="m4a"),
    pytest.param(webm(), "video/webm", "lesson.webm", id="webm"),
    pytest.param(wav(), "audio/x-wav", "talk.wav", id="wav"),
    pytest.param(mp3(), "audio/mpeg", "talk.mp3", id="mp3"),
    pytest.param(ogg(), "audio/ogg", "talk.ogg", id="ogg"),
]


def test_it_satisfies_the_port() -> None:
    sniffer: ContentSniffer = FiletypeSniffer()
    assert sniffer.sniff(b"") is None


@pytest.mark.parametrize(("data", "mime", "filename"), ACCEPTED)
def test_real_files_sniff_to_an_accepted_type_matching_their_name(
    data: bytes, mime: str, filename: str
) -> None:
    assert sniff(data) == mime
    claimed = family_for_filename(filename)
    sniffed = family_for_mime(mime)
    assert claimed is not None
    assert sniffed is not None
    assert content_matches_name(claimed, sniffed)


def test_a_late_office_part_needs_the_second_look() -> None:
    data = docx_with_late_main_part()
    kind = filetype.guess(data)
    assert kind is not None
    assert kind.mime == "application/zip"  # what filetype alone would say
    assert sniff(data) == DOCX


def test_office_parts_are_found_anywhere_in_the_64_kib_head() -> None:
    padding = [f"customXml/item{number}.xml" for number in range(10)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name in padding:
            package.writestr(name, XML + b"<item/>")
        package.writestr("xl/workbook.xml", XML + b"<workbook/>")
    assert sniff(buffer.getvalue()) == XLSX


REFUSED = [
    pytest.param(pe_executable(), id="windows-pe"),
    pytest.param(
        b"<!DOCTYPE html>\n<html><head><title>x</title></head><body>"
        b"<script>alert(1)</script></body></html>\n",
        id="html",
    ),
    pytest.param(b"Reflection on my lesson.\nIt went well.\n" * 20, id="plain-text"),
    pytest.param(b"#!/bin/sh\nrm -rf /\n", id="shell-script"),
    pytest.param(plain_zip(), id="plain-zip"),
    pytest.param(b"\x7fELF\x02\x01\x01" + bytes(100), id="elf"),
]


@pytest.mark.parametrize("data", REFUSED)
def test_other_content_is_unknown_or_not_accepted(data: bytes) -> None:
    mime = sniff(data)
    assert mime is None or mime not in MIME_TYPES


@pytest.mark.parametrize(
    "matcher",
    [matcher for matcher in filetype.types if matcher.extension in EXTENSIONS],
    ids=lambda matcher: str(matcher.extension),
)
def test_every_type_filetype_knows_for_an_accepted_extension_is_accepted(matcher: Any) -> None:
    extension, mime = str(matcher.extension), str(matcher.mime)
    sniffed = family_for_mime(mime)
    assert sniffed is not None, f"{mime} ({extension}) is missing from media.MIME_TYPES"
    assert content_matches_name(EXTENSIONS[extension], sniffed)


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (ooxml("word", "document.xml", DOCX), DOCX),
        (ooxml("xl", "workbook.xml", XLSX), XLSX),
        (ooxml("ppt", "presentation.xml", PPTX), PPTX),
    ],
    ids=["docx", "xlsx", "pptx"],
)
def test_filetype_alone_names_office_packages_in_microsoft_order(data: bytes, mime: str) -> None:
    kind = filetype.guess(data)
    assert kind is not None
    assert kind.mime == mime


def test_an_animated_png_sniffs_as_apng() -> None:
    assert sniff(png(animated=True)) == "image/apng"


def test_an_animated_png_is_an_accepted_image() -> None:
    assert family_for_mime("image/apng") is MediaFamily.IMAGE
