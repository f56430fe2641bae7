"""Photo uploads: checked by content (not by name or declared type), decoded and encoded
anew, stored with a thumbnail.

What is stored is never the uploaded file itself: the pixels are decoded (refusing
decompression bombs from the header, before any decoding), turned upright by their EXIF
orientation and encoded again. So no EXIF leaves the server — no GPS position, camera serial
or time — nor anything a file carries besides its picture (text chunks, comments, a payload
appended to make a polyglot). Only the colour profile is kept, so colours look the same.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image

from . import signing
from .errors import ErrorCode, WorkflowError

ALLOWED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# Refuses decompression bombs from the header, long before they are decoded (a tiny PNG can
# claim 20000 × 20000 pixels); a phone's photo has far fewer.
MAX_PIXELS = 40_000_000
THUMB_SIZE = (320, 320)
JPEG_QUALITY = 90
T = Image.Transpose
# EXIF Orientation → the turn that makes the picture upright.
UPRIGHT = {
    2: T.FLIP_LEFT_RIGHT,
    3: T.ROTATE_180,
    4: T.FLIP_TOP_BOTTOM,
    5: T.TRANSPOSE,
    6: T.ROTATE_270,
    7: T.TRANSVERSE,
    8: T.ROTATE_90,
}


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    format: str
    content_type: str
    extension: str
    width: int
    height: int


def _too_large(field: str) -> WorkflowError:
    return WorkflowError(
        ErrorCode.UPLOAD_TOO_LARGE,
        f"The photo has too many pixels (at most {MAX_PIXELS // 1_000_000} megapixels)",
        field,
    )


def _upright(image: Image.Image) -> Image.Image:
    """Turned as its EXIF Orientation says. Only that tag is read: the rest of the EXIF is
    dropped anyway, and a broken or odd one leaves the picture as it is (ImageOps'
    exif_transpose would write the EXIF back and fail on it)."""
    orientation = image.getexif().get(ExifTags.Base.Orientation)
    method = UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(method) if method is not None else image


def _reencoded(image: Image.Image, fmt: str) -> tuple[bytes, int, int]:
    """The picture alone, upright, in `fmt`: no EXIF, no text, nothing appended."""
    upright = _upright(image)
    options: dict[str, object] = {}
    if icc := image.info.get("icc_profile"):
        options["icc_profile"] = icc
    if fmt == "JPEG":
        if upright.mode not in {"RGB", "L"}:
            upright = upright.convert("RGB")
        options["quality"] = JPEG_QUALITY
    elif fmt == "WEBP":
        if upright.mode not in {"RGB", "RGBA"}:
            upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
        options["quality"] = JPEG_QUALITY
    buffer = io.BytesIO()
    upright.save(buffer, fmt, **options)
    return buffer.getvalue(), upright.width, upright.height


def check_image(data: bytes, *, field: str, max_bytes: int) -> CheckedImage:
    """A JPEG, PNG or WebP photo, re-encoded without its metadata; else a WorkflowError
    naming `field`."""
    if len(data) > max_bytes:
        raise WorkflowError(
            ErrorCode.UPLOAD_TOO_LARGE,
            f"A photo may be at most {max_bytes // (1024 * 1024)} MB",
            field,
        )
    if not data:
        raise WorkflowError(ErrorCode.UPLOAD_INVALID, "The photo is empty", field)
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard (a warning, then an error past twice its limit) backs
            # up the pixel count below.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                if fmt not in ALLOWED_FORMATS:
                    raise WorkflowError(
                        ErrorCode.UPLOAD_INVALID, "A photo must be JPEG, PNG or WebP", field
                    )
                if probe.width * probe.height > MAX_PIXELS:
                    raise _too_large(field)
                probe.verify()
            # verify() leaves the image unusable: open it again to decode it.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                clean, width, height = _reencoded(image, fmt)
    except WorkflowError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_large(field) from exc
    except Exception as exc:
        # Whatever a malformed or crafted file makes a decoder raise (UnidentifiedImageError,
        # OSError, struct.error …): not a photo we can read.
        raise _unreadable(field) from exc
    content_type, extension = ALLOWED_FORMATS[fmt]
    return CheckedImage(clean, fmt, content_type, extension, width, height)


def _unreadable(field: str) -> WorkflowError:
    return WorkflowError(
        ErrorCode.UPLOAD_INVALID, "The file is not a readable JPEG, PNG or WebP image", field
    )


@dataclass(frozen=True)
class StoredPhoto:
    file_name: str
    thumb_name: str


def store_image(image: CheckedImage, upload_dir: Path) -> StoredPhoto:
    """Write the original and a JPEG thumbnail; names are random, never the client's."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    stem = secrets.token_hex(16)
    file_name = f"{stem}.{image.extension}"
    thumb_name = f"{stem}.thumb.jpg"
    (upload_dir / file_name).write_bytes(image.data)
    with Image.open(io.BytesIO(image.data)) as img:
        # Already upright and without metadata (check_image made it so).
        thumb = img.convert("RGB")
        thumb.thumbnail(THUMB_SIZE)
        thumb.save(upload_dir / thumb_name, "JPEG", quality=80)
    return StoredPhoto(file_name, thumb_name)


def sign_media(secret_key: str, name: str, expires: int) -> str:
    return signing.sign(secret_key, name, expires)


def media_url(secret_key: str, name: str, expires: int) -> str:
    """A URL that works until `expires` (unix time): issued only to those who may see the case."""
    return f"/media/{name}?exp={expires}&sig={sign_media(secret_key, name, expires)}"


def verify_media(secret_key: str, name: str, expires: int, signature: str, now: int) -> bool:
    return signing.verify(secret_key, name, expires, signature, now)
