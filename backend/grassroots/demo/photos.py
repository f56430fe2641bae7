"""Tiny generated JPEGs standing in for residents' and workers' photos (a few KB each)."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw

# A colour per top-level category, so report photos on the map are told apart at a glance.
COLOURS: dict[str, tuple[int, int, int]] = {
    "heating": (214, 96, 56),
    "water": (52, 120, 196),
    "roads": (120, 120, 120),
    "sanitation": (96, 156, 72),
    "housing": (176, 136, 88),
    "safety": (200, 48, 48),
    "disputes": (150, 96, 170),
    "welfare": (232, 170, 60),
}
RESOLVED_COLOUR = (70, 170, 110)


@lru_cache(maxsize=32)
def solid_jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (480, 360)) -> bytes:
    """A solid picture with a lighter band, so a thumbnail shows it is a photo of something."""
    image = Image.new("RGB", size, colour)
    lighter = tuple(min(255, c + 60) for c in colour)
    width, height = size
    ImageDraw.Draw(image).rectangle(
        (width // 6, height // 3, width * 5 // 6, height * 2 // 3), fill=lighter
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def report_photo(category_code: str) -> bytes:
    return solid_jpeg(COLOURS.get(category_code.partition(".")[0], (128, 128, 128)))


def resolution_photo() -> bytes:
    return solid_jpeg(RESOLVED_COLOUR)
