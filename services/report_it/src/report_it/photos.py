"""Photo cleaning: sniff, bound, auto-orient, re-encode and strip every byte of metadata, or refuse.

Failing closed: whatever cannot be decoded and re-encoded is refused; the uploaded bytes are never stored.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from report_it.config import Settings
from report_it.errors import PhotoTooLarge, PhotoUnreadable, UnsupportedPhoto

try:  # HEIC from iPhones, through the maintained libheif binding
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIC_SUPPORTED = True
except ImportError:  # pragma: no cover - the dependency is declared; this only guards odd platforms
    HEIC_SUPPORTED = False

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"}
OUTPUT_FORMAT = "JPEG"
OUTPUT_CONTENT_TYPE = "image/jpeg"


def sniff(data: bytes) -> str | None:
    """The image type from its magic bytes, whatever the client claimed."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heic"
    return None


@dataclass(frozen=True)
class CleanPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    source_sha256: str


def clean_photo(data: bytes, *, max_bytes: int, max_pixels: int, max_edge: int, thumbnail_edge: int) -> CleanPhoto:
    if len(data) > max_bytes:
        raise PhotoTooLarge(f"The photo is {len(data):,} bytes; the limit is {max_bytes:,}.", limit_bytes=max_bytes)
    kind = sniff(data)
    if kind is None or (kind == "heic" and not HEIC_SUPPORTED):
        raise UnsupportedPhoto("Photos must be JPEG, PNG, WebP or HEIC images.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x its pixel limit; we refuse instead.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                width, height = opened.size
                if width * height > max_pixels:
                    raise PhotoTooLarge(
                        f"The photo is {width}x{height} pixels; the limit is {max_pixels:,} pixels.",
                        limit_pixels=max_pixels,
                    )
                opened.load()
                image = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoTooLarge("The photo decodes to too many pixels.", limit_pixels=max_pixels) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise PhotoUnreadable(f"The {kind.upper()} file could not be decoded; it may be damaged.") from exc

    image = _flatten(image)
    image.thumbnail((max_edge, max_edge))
    full = _encode(image)
    thumb_image = image.copy()
    thumb_image.thumbnail((thumbnail_edge, thumbnail_edge))
    thumbnail = _encode(thumb_image)
    _assert_clean(full)
    _assert_clean(thumbnail)
    return CleanPhoto(
        image=full,
        thumbnail=thumbnail,
        width=image.width,
        height=image.height,
        source_sha256=hashlib.sha256(data).hexdigest(),
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels only: transparency goes onto white, palettes and CMYK are converted."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    # A fresh image from the pixels alone: nothing from the source's info dict comes along.
    rgb = image.convert("RGB")
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, OUTPUT_FORMAT, quality=85, optimize=True, exif=b"", icc_profile=None)
    return out.getvalue()


def _assert_clean(encoded: bytes) -> None:
    with Image.open(io.BytesIO(encoded)) as check:
        if len(check.getexif()) or check.info.get("icc_profile") or check.info.get("xmp"):
            raise PhotoUnreadable("The photo could not be cleaned of its metadata, so it was not stored.")


def clean_uploads(photos: list[bytes], settings: Settings) -> list[CleanPhoto]:
    """Re-encode every uploaded photo (see `report_it.photos`); one that cannot be cleaned refuses the request."""
    return [
        clean_photo(
            data,
            max_bytes=settings.max_photo_bytes,
            max_pixels=settings.max_photo_pixels,
            max_edge=settings.photo_max_edge,
            thumbnail_edge=settings.thumbnail_edge,
        )
        for data in photos
    ]
