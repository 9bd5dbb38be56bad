"""Pictures and videos for the evidence tests, made on the spot: nothing real, nothing downloaded."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image


def picture(seed: int = 1, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A picture with structure at several scales (smooth blobs plus noise), so PDQ's quality is high."""
    rng = np.random.default_rng(seed)
    small = rng.random((12, 16, 3)) * 255
    blobs = Image.fromarray(small.astype("uint8")).resize(size, Image.Resampling.BICUBIC)
    noise = rng.normal(0, 12, (size[1], size[0], 3))
    return Image.fromarray(np.clip(np.asarray(blobs) + noise, 0, 255).astype("uint8"))


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def jpeg(seed: int = 1, **options: object) -> bytes:
    return encode(picture(seed), "JPEG", **{"quality": 90, **options})


def recompressed(seed: int = 1) -> bytes:
    """The same picture as `jpeg(seed)`, smaller and compressed harder: what a platform re-serves."""
    return encode(picture(seed).resize((256, 192), Image.Resampling.LANCZOS), "JPEG", quality=60)


def flat_png(compress_level: int = 6) -> bytes:
    """A picture with almost nothing in it: PDQ's quality is far below 50. Another compression level
    gives other bytes with the same pixels, so the same PDQ hash."""
    return encode(Image.new("RGB", (200, 200), (40, 40, 40)), "PNG", compress_level=compress_level)


def video(tmp: Path, seconds: int = 4) -> bytes:
    """A short MP4 made by ffmpeg's test source."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is needed (.ci/run installs it)"
    target = tmp / "clip.mp4"
    source = f"testsrc=duration={seconds}:size=320x240:rate=10"
    command = [ffmpeg, "-loglevel", "error", "-y", "-f", "lavfi", "-i", source, "-pix_fmt", "yuv420p"]
    subprocess.run([*command, "-metadata", "title=canary-title-q7x", str(target)], check=True)
    data = target.read_bytes()
    target.unlink()
    return data
