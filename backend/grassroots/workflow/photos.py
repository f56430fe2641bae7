"""Photo uploads: checked by content (not by name or declared type), stored with a thumbnail."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from . import signing
from .errors import ErrorCode, WorkflowError

ALLOWED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_PIXELS = 40_000_000  # refuses decompression bombs long before they are decoded
THUMB_SIZE = (320, 320)


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    format: str
    content_type: str
    extension: str
    width: int
    height: int


def check_image(data: bytes, *, field: str, max_bytes: int) -> CheckedImage:
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
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                width, height = probe.size
                if fmt not in ALLOWED_FORMATS:
                    raise WorkflowError(
                        ErrorCode.UPLOAD_INVALID, "A photo must be JPEG, PNG or WebP", field
                    )
                if width * height > MAX_PIXELS:
                    raise WorkflowError(ErrorCode.UPLOAD_INVALID, "The photo is too large", field)
                probe.verify()
    except WorkflowError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning) as exc:
        raise WorkflowError(
            ErrorCode.UPLOAD_INVALID, "The file is not a readable JPEG, PNG or WebP image", field
        ) from exc
    content_type, extension = ALLOWED_FORMATS[fmt]
    return CheckedImage(data, fmt, content_type, extension, width, height)


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
        thumb = ImageOps.exif_transpose(img).convert("RGB")
        thumb.thumbnail(THUMB_SIZE)
        # The thumbnail carries no EXIF, so no location leaks through it.
        thumb.save(upload_dir / thumb_name, "JPEG", quality=80)
    return StoredPhoto(file_name, thumb_name)


def sign_media(secret_key: str, name: str, expires: int) -> str:
    return signing.sign(secret_key, name, expires)


def media_url(secret_key: str, name: str, expires: int) -> str:
    """A URL that works until `expires` (unix time): issued only to those who may see the case."""
    return f"/media/{name}?exp={expires}&sig={sign_media(secret_key, name, expires)}"


def verify_media(secret_key: str, name: str, expires: int, signature: str, now: int) -> bool:
    return signing.verify(secret_key, name, expires, signature, now)
