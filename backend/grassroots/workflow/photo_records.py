"""Uploaded photos recorded against what they show (a case, a list item): each stored
(workflow.photos) and its row made, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from . import photos as photo_store
from .actor import Actor

R = TypeVar("R")


async def record_photos(
    images: list[photo_store.CheckedImage],
    upload_dir: Path,
    actor: Actor,
    at: datetime,
    create: Callable[..., Awaitable[R]],
) -> list[R]:
    """Store `images`; `create(**columns)` makes each one's row (its owner's columns bound)."""
    saved = []
    for image in images:
        stored = photo_store.store_image(image, upload_dir)
        saved.append(
            await create(
                file_name=stored.file_name,
                thumb_name=stored.thumb_name,
                content_type=image.content_type,
                size=len(image.data),
                width=image.width,
                height=image.height,
                uploaded_by_id=actor.account_id,
                created_at=at,
            )
        )
    return saved
