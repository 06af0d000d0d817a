"""Which evidence files we accept: media families, their MIME types and file extensions.

The check itself (sniffing the bytes) lives behind the ``ContentSniffer`` port; this module only
says what is acceptable, so the rule is the same whatever library reads the bytes.
"""

from __future__ import annotations

from enum import StrEnum


class MediaFamily(StrEnum):
    """A kind of evidence file a rubric section can ask for."""

    VIDEO = "video"
    AUDIO = "audio"
    PDF = "pdf"
    IMAGE = "image"
    DOCUMENT = "document"


EXTENSIONS: dict[str, MediaFamily] = {
    **dict.fromkeys(["mp4", "m4v", "mov", "webm", "mkv", "avi"], MediaFamily.VIDEO),
    **dict.fromkeys(["mp3", "m4a", "wav", "ogg", "oga", "flac", "aac"], MediaFamily.AUDIO),
    "pdf": MediaFamily.PDF,
    **dict.fromkeys(["png", "jpg", "jpeg", "gif", "webp", "heic"], MediaFamily.IMAGE),
    **dict.fromkeys(
        ["docx", "xlsx", "pptx", "doc", "xls", "ppt", "odt", "ods", "odp"], MediaFamily.DOCUMENT
    ),
}

MIME_TYPES: dict[str, MediaFamily] = {
    **dict.fromkeys(
        [
            "video/mp4",
            "video/x-m4v",
            "video/quicktime",
            "video/webm",
            "video/x-matroska",
            "video/x-msvideo",
        ],
        MediaFamily.VIDEO,
    ),
    **dict.fromkeys(
        [
            "audio/mpeg",
            "audio/mp4",
            "audio/x-m4a",
            "audio/m4a",
            "audio/x-wav",
            "audio/wav",
            "audio/ogg",
            "audio/x-flac",
            "audio/flac",
            "audio/aac",
        ],
        MediaFamily.AUDIO,
    ),
    "application/pdf": MediaFamily.PDF,
    **dict.fromkeys(
        [
            "image/png",
            "image/apng",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "image/heic",
            "image/heif",
        ],
        MediaFamily.IMAGE,
    ),
    **dict.fromkeys(
        [
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/x-ole-storage",
            "application/vnd.oasis.opendocument.text",
            "application/vnd.oasis.opendocument.spreadsheet",
            "application/vnd.oasis.opendocument.presentation",
        ],
        MediaFamily.DOCUMENT,
    ),
}

# Audio-only MP4/WebM/Ogg containers are often sniffed as their video sibling; accept that pairing.
CONTAINER_SIBLINGS: dict[MediaFamily, frozenset[MediaFamily]] = {
    MediaFamily.AUDIO: frozenset({MediaFamily.AUDIO, MediaFamily.VIDEO}),
}

ALL_FAMILIES: tuple[MediaFamily, ...] = tuple(MediaFamily)


def family_for_filename(filename: str) -> MediaFamily | None:
    """The family a file's extension claims, or ``None`` for an extension we do not accept."""
    _, dot, extension = filename.rpartition(".")
    if not dot:
        return None
    return EXTENSIONS.get(extension.lower())


def family_for_mime(mime_type: str) -> MediaFamily | None:
    """The family of a sniffed MIME type, or ``None`` when we do not accept that type."""
    return MIME_TYPES.get(mime_type.lower())


def content_matches_name(claimed: MediaFamily, sniffed: MediaFamily) -> bool:
    """Whether the bytes' family is an honest match for the family the file name claims."""
    return sniffed in CONTAINER_SIBLINGS.get(claimed, frozenset({claimed}))
