"""Baking: carry a credential inside its badge image (Open Badges 3.0, "Baked Badge").

PNG: one uncompressed ``iTXt`` chunk with keyword ``openbadgecredential`` just before ``IEND``.
SVG: an ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` declaration and, directly
after the ``<svg>`` start tag, ``<openbadges:credential>`` holding the JSON in CDATA, or with
a ``verify`` attribute holding the compact JWS. The text is whatever the caller baked: the
credential JSON or the VC-JWT. Images are hostile input: SVG is parsed with defusedxml (no
entities, no external references) and PNG text is read with a size limit.
"""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
MAX_TEXT = 4 * 1024 * 1024


class BakingError(ValueError):
    """The image cannot be baked or read: not a PNG/SVG, malformed, or already baked."""


# --- PNG -------------------------------------------------------------------------------


def _chunks(png: bytes) -> list[tuple[bytes, bytes, int]]:
    """(type, data, offset) of every chunk; raises :class:`BakingError` if malformed."""
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image (bad signature)")
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset < len(png):
        if offset + 12 > len(png):
            raise BakingError("PNG is truncated")
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        end = offset + 12 + length
        if end > len(png):
            raise BakingError("PNG is truncated")
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[end - 4 : end])
        if zlib.crc32(kind + data) != crc:
            raise BakingError(f"PNG chunk {kind!r} has a bad CRC")
        chunks.append((kind, data, offset))
        offset = end
        if kind == b"IEND":
            break
    if not chunks or chunks[-1][0] != b"IEND":
        raise BakingError("PNG has no IEND chunk")
    return chunks


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC-32."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _itxt_text(data: bytes) -> tuple[bytes, str]:
    """(keyword, text) of an iTXt chunk; decompresses (bounded) if the writer compressed it."""
    keyword, sep, rest = data.partition(b"\0")
    if not sep or len(rest) < 2:
        raise BakingError("malformed iTXt chunk")
    compressed, body = rest[0], rest[2:]
    _language, _, body = body.partition(b"\0")
    _translated, _, body = body.partition(b"\0")
    if compressed:
        inflater = zlib.decompressobj()
        body = inflater.decompress(body, MAX_TEXT)
        if inflater.unconsumed_tail:
            raise BakingError("baked credential is larger than we accept")
    try:
        return keyword, body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BakingError("baked credential is not UTF-8 text") from error


def unbake_png(png: bytes) -> str | None:
    """The text of the first ``openbadgecredential`` iTXt chunk, or None if there is none."""
    for kind, data, _ in _chunks(png):
        if kind == b"iTXt" and data.startswith(KEYWORD + b"\0"):
            return _itxt_text(data)[1]
    return None


def bake_png(png: bytes, text: str) -> bytes:
    """Insert an uncompressed ``openbadgecredential`` iTXt chunk before IEND.

    Raises:
        BakingError: not a PNG, malformed, or it already carries a credential.
    """
    chunks = _chunks(png)
    if any(kind == b"iTXt" and data.startswith(KEYWORD + b"\0") for kind, data, _ in chunks):
        raise BakingError("PNG already carries a baked credential")
    itxt = KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + text.encode("utf-8")
    iend_offset = chunks[-1][2]
    return png[:iend_offset] + png_chunk(b"iTXt", itxt) + png[iend_offset:]


# --- SVG -------------------------------------------------------------------------------

_CREDENTIAL_TAG = f"{{{OB_NAMESPACE}}}credential"
_SVG_START = re.compile(r"<svg(?=[\s/>])")
_OB_PREFIX = re.compile(r"""xmlns:openbadges\s*=\s*(["'])(.*?)\1""")


def _parse_svg(svg: bytes) -> Element:
    try:
        root: Element = fromstring(svg)
    except (ParseError, DefusedXmlException) as error:
        raise BakingError(f"not a well-formed SVG without entities: {error}") from error
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise BakingError("not an SVG image (root element is not svg in the SVG namespace)")
    return root


def unbake_svg(svg: bytes) -> str | None:
    """The JWS in ``verify`` or the JSON inside the first ``openbadges:credential``, or None."""
    element = next(_parse_svg(svg).iter(_CREDENTIAL_TAG), None)
    if element is None:
        return None
    verify = element.get("verify")
    if verify is not None:
        return verify.strip()
    return (element.text or "").strip()


def _start_tag_end(text: str, start: int) -> int:
    """Index of the ``>`` closing the start tag at ``start`` (quotes may contain ``>``)."""
    quote = ""
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ">":
            return index
    raise BakingError("SVG start tag is not closed")


def bake_svg(svg: bytes, text: str) -> bytes:
    """Add ``<openbadges:credential>`` directly after the ``<svg>`` start tag.

    A compact JWS goes in the ``verify`` attribute; JSON goes in the body as CDATA.

    Raises:
        BakingError: not an SVG, malformed, or it already carries a credential.
    """
    root = _parse_svg(svg)
    if next(root.iter(_CREDENTIAL_TAG), None) is not None:
        raise BakingError("SVG already carries a baked credential")
    try:
        source = svg.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BakingError("SVG is not UTF-8; re-save it as UTF-8 to bake it") from error
    match = _SVG_START.search(source)
    if match is None:
        raise BakingError("SVG has no <svg> start tag")
    end = _start_tag_end(source, match.start())
    start_tag = source[match.start() : end]
    self_closing = start_tag.endswith("/")
    if self_closing:
        start_tag = start_tag[:-1].rstrip()
    declared = _OB_PREFIX.search(start_tag)
    if declared and declared.group(2) != OB_NAMESPACE:
        raise BakingError("SVG binds the openbadges prefix to another namespace")
    if not declared:
        start_tag += f' xmlns:openbadges="{OB_NAMESPACE}"'
    if text.lstrip().startswith("{"):
        body = text.replace("]]>", "]]]]><![CDATA[>")
        element = f"<openbadges:credential><![CDATA[{body}]]></openbadges:credential>"
    else:
        element = f"<openbadges:credential verify={quoteattr(text)}></openbadges:credential>"
    tail = "</svg>" + source[end + 1 :] if self_closing else source[end + 1 :]
    baked = (source[: match.start()] + start_tag + ">" + element + tail).encode("utf-8")
    if unbake_svg(baked) != text.strip():
        raise BakingError("could not place the credential right after the <svg> start tag")
    return baked
