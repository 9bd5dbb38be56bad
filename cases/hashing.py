"""Hashes of evidence, computed from the uploaded bytes in memory: SHA-256 and PDQ.

Nothing here touches the database, a log or the disk. An image is decoded with Pillow and hashed with
`pdqhash` (Meta's reference C++ behind Python bindings) in milliseconds, in the request. A short video
is cut into one frame a second by `ffmpeg`, which reads the bytes from an anonymous in-memory file
(memfd: no path, gone when closed) and writes raw frames to a pipe; each frame is hashed with PDQ.
`vpdq` would do the same in-process, but it needs FFmpeg's development libraries to build and does
not install on the project's Python; without ffmpeg, video is refused with a clear answer.

PDQ as hex follows the reference implementation (`Hash256::format`: words 15 down to 0), which is
what platforms' hash-matching programs (HMA, StopNCII, ThreatExchange) read: pdqhash's bit vector is
already in that order, most significant bit first.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess  # nosec B404 - ffmpeg is run with a fixed argument list, never a shell
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pdqhash
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from cases.models.evidence import MIN_MATCH_QUALITY

# Meta's HMA matches PDQ at a Hamming distance of 31 or less, and ignores hashes of quality below 50
# (flat or nearly blank images, whose hashes match far too much).
MATCH_DISTANCE = 31
MIN_QUALITY = MIN_MATCH_QUALITY
CHUNKS = 16  # 256 bits as 16 chunks of 16 bits for multi-index hashing (cases/matching.py)

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
VIDEO_TYPES = {"video/mp4": "mov", "video/webm": "matroska"}
# A picture of more pixels than this is refused rather than decoded (a small file can claim a huge size).
MAX_PIXELS = 60_000_000
FRAME_SIZE = 256  # frames are scaled to this square before PDQ, which works on 64×64 anyway


class UploadRefusedError(Exception):
    """The upload cannot be taken as evidence; the message says why in words a counsellor reads."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class PerceptualHash:
    """One PDQ hash: of an image, or of the frame at `second` of a video."""

    pdq: str  # 64 hex digits
    quality: int
    second: int | None = None

    @property
    def matchable(self) -> bool:
        return self.quality >= MIN_QUALITY


@dataclass(frozen=True)
class Hashed:
    """What the server keeps of an upload unless the victim consented to keeping the file."""

    kind: str  # "image" | "video"
    media_type: str
    size: int
    sha256: str
    hashes: list[PerceptualHash] = field(default_factory=list)

    @property
    def quality(self) -> int:
        return max((h.quality for h in self.hashes), default=0)


def sniff(data: bytes) -> str:
    """The media type by the file's first bytes (never by its name or the browser's word), or ""."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return ""


def video_supported() -> bool:
    return shutil.which(settings.EVIDENCE_FFMPEG) is not None


def pdq_hex(bits: Iterable[int]) -> str:
    value = 0
    for bit in bits:
        value = (value << 1) | (1 if bit else 0)
    return f"{value:064x}"


def chunks_of(pdq: str) -> list[int]:
    """The 16 chunks of 16 bits of a hash, first to last."""
    return [int(pdq[4 * i : 4 * i + 4], 16) for i in range(CHUNKS)]


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _pdq_of(pixels: np.ndarray) -> tuple[str, int]:
    bits, quality = pdqhash.compute(np.ascontiguousarray(pixels, dtype=np.uint8))
    return pdq_hex(bits), int(quality)


def _open_image(data: bytes, media_type: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; a bomb is refused either way.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[IMAGE_TYPES[media_type]])
            if image.width * image.height > MAX_PIXELS:
                raise UploadRefusedError(
                    _("This image is too large to read (too many pixels)."), code="too_many_pixels"
                )
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise UploadRefusedError(_("This file could not be read as an image."), code="unreadable") from error
    except Image.DecompressionBombWarning as error:
        raise UploadRefusedError(
            _("This image is too large to read (too many pixels)."), code="too_many_pixels"
        ) from error
    return image


def hash_image(data: bytes, media_type: str) -> list[PerceptualHash]:
    """PDQ of the first frame as stored (no orientation applied, as the reference hasher does)."""
    image = _open_image(data, media_type)
    pdq, quality = _pdq_of(np.asarray(image.convert("RGB")))
    return [PerceptualHash(pdq=pdq, quality=quality)]


def viewing_copy(data: bytes, media_type: str) -> bytes:
    """The image re-encoded as JPEG from its pixels alone: no EXIF, GPS, comments or ICC profile."""
    image = ImageOps.exif_transpose(_open_image(data, media_type)).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _ffmpeg(data: bytes, media_type: str, output: list[str]) -> subprocess.CompletedProcess[bytes]:
    """ffmpeg reading `data` from an anonymous in-memory file (no path on disk), writing to a pipe."""
    if not video_supported():
        raise UploadRefusedError(
            _("Videos cannot be hashed on this installation (ffmpeg is missing). Upload a still image instead."),
            code="video_unsupported",
        )
    memfd = os.memfd_create("evidence", os.MFD_CLOEXEC)
    try:
        os.write(memfd, data)
        command = [
            shutil.which(settings.EVIDENCE_FFMPEG) or settings.EVIDENCE_FFMPEG,
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            # Only the in-memory file: no network, no playlists that point elsewhere.
            "-protocol_whitelist",
            "file,pipe",
            "-f",
            VIDEO_TYPES[media_type],
            "-i",
            f"/proc/self/fd/{memfd}",
            *output,
            "pipe:1",
        ]
        try:
            return subprocess.run(  # noqa: S603  # nosec B603 - fixed arguments, no shell, the input is a memfd
                command,
                pass_fds=(memfd,),
                capture_output=True,
                timeout=settings.EVIDENCE_VIDEO_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise UploadRefusedError(_("This video took too long to read."), code="timeout") from error
    finally:
        os.close(memfd)


def hash_video(data: bytes, media_type: str) -> list[PerceptualHash]:
    """PDQ of one frame a second, near-identical neighbours dropped (as vPDQ does)."""
    max_seconds = settings.EVIDENCE_VIDEO_MAX_SECONDS
    frame_bytes = FRAME_SIZE * FRAME_SIZE * 3
    result = _ffmpeg(
        data,
        media_type,
        [
            "-an",
            "-vf",
            f"fps=1,scale={FRAME_SIZE}:{FRAME_SIZE}",
            "-frames:v",
            str(max_seconds + 1),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
        ],
    )
    frames = len(result.stdout) // frame_bytes
    if result.returncode != 0 or frames == 0:
        raise UploadRefusedError(_("This file could not be read as a video."), code="unreadable")
    if frames > max_seconds:
        raise UploadRefusedError(
            _("Videos of at most %(seconds)d seconds can be hashed here; cut the part that shows the content.")
            % {"seconds": max_seconds},
            code="too_long",
        )
    hashes: list[PerceptualHash] = []
    for second in range(frames):
        pixels = np.frombuffer(result.stdout, np.uint8, frame_bytes, second * frame_bytes)
        pdq, quality = _pdq_of(pixels.reshape(FRAME_SIZE, FRAME_SIZE, 3))
        if hashes and hamming(hashes[-1].pdq, pdq) <= MATCH_DISTANCE and hashes[-1].quality >= quality:
            continue  # the same scene as the frame before: one hash stands for both
        hashes.append(PerceptualHash(pdq=pdq, quality=quality, second=second))
    return hashes


def video_viewing_copy(data: bytes, media_type: str) -> tuple[bytes, str]:
    """The video re-encoded (VP9 in WebM, no sound) without its metadata (place, device, dates)."""
    result = _ffmpeg(
        data,
        media_type,
        ["-map_metadata", "-1", "-an", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-f", "webm"],
    )
    if result.returncode != 0 or not result.stdout:
        raise UploadRefusedError(_("This file could not be read as a video."), code="unreadable")
    return result.stdout, "video/webm"


# Multipart framing and the CSRF field around the file.
_FORM_OVERHEAD = 64 * 1024


def upload_file_limit() -> int:
    """The largest file an evidence upload takes (a video's limit; an image is held to its own after sniffing)."""
    return max(settings.EVIDENCE_IMAGE_MAX_BYTES, settings.EVIDENCE_VIDEO_MAX_BYTES)


def upload_body_limit() -> int:
    return upload_file_limit() + _FORM_OVERHEAD


def too_large_message() -> str:
    return _("This file is too large: images up to %(image)d MB, videos up to %(video)d MB.") % {
        "image": settings.EVIDENCE_IMAGE_MAX_BYTES // (1024 * 1024),
        "video": settings.EVIDENCE_VIDEO_MAX_BYTES // (1024 * 1024),
    }


def hash_upload(data: bytes) -> Hashed:
    """SHA-256 of the bytes exactly as uploaded, then the perceptual hashes; UploadRefusedError otherwise."""
    if not data:
        raise UploadRefusedError(_("The file is empty."), code="empty")
    sha256 = hashlib.sha256(data).hexdigest()
    media_type = sniff(data)
    if media_type in IMAGE_TYPES:
        limit = settings.EVIDENCE_IMAGE_MAX_BYTES
        if len(data) > limit:
            raise UploadRefusedError(
                _("Images of at most %(mb)d MB can be uploaded.") % {"mb": limit // (1024 * 1024)}, code="too_large"
            )
        return Hashed(
            kind="image", media_type=media_type, size=len(data), sha256=sha256, hashes=hash_image(data, media_type)
        )
    if media_type in VIDEO_TYPES:
        return Hashed(
            kind="video", media_type=media_type, size=len(data), sha256=sha256, hashes=hash_video(data, media_type)
        )
    raise UploadRefusedError(
        _("Only images (JPEG, PNG, GIF, WebP) and short videos (MP4, WebM) can be hashed; this file is neither."),
        code="unsupported_type",
    )
