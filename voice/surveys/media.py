"""The media files an XLSForm's labels and choices show, uploaded beside the form.

A file is taken only when its first bytes say it is an image, a sound or a video that
browsers play (a name or a declared type says nothing: anyone can call a script .png), and
only up to ``MAX_MEDIA_BYTES``. SVG is refused: it may carry script.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["MAX_MEDIA_BYTES", "MediaFile", "media_file", "sniff"]

MAX_MEDIA_BYTES = 10 * 1024 * 1024  # a short clip; a tablet downloads every file of its surveys

# ISO base media (MP4, M4A, 3GP, QuickTime): bytes 4-8 are "ftyp", then the brand.
_FTYP_AUDIO_BRANDS = (b"M4A ", b"M4B ")


@dataclass(frozen=True)
class MediaFile:
    name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def sniff(content: bytes) -> str | None:
    """The content type the bytes show, or None when they are no image, sound or video we serve."""
    head = content[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE"):
        return "image/webp" if head[8:12] == b"WEBP" else "audio/wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"  # an ID3 tag, or an MPEG audio frame's sync bits
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in _FTYP_AUDIO_BRANDS else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"  # Matroska/WebM (sound-only WebM plays as video too)
    return None


def media_file(name: str, content: bytes) -> MediaFile | str:
    """The file, or the code of why it is refused ("media_too_big", "media_type")."""
    if len(content) > MAX_MEDIA_BYTES:
        return "media_too_big"
    content_type = sniff(content)
    return MediaFile(name, content_type, content) if content_type else "media_type"
