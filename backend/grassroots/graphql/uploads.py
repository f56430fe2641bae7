"""Reading GraphQL multipart uploads without holding an oversize file whole."""

from __future__ import annotations

from strawberry.file_uploads import Upload

from ..workflow.errors import ErrorCode, WorkflowError


async def read_uploads(uploads: list[Upload] | None, max_bytes: int, limit: int) -> list[bytes]:
    """Each upload read up to one byte past `max_bytes`: enough for workflow.photos to refuse
    an oversize file by its size."""
    if not uploads:
        return []
    if len(uploads) > limit:
        message = f"At most {limit} photos at once"
        raise WorkflowError(ErrorCode.TOO_MANY_UPLOADS, message, "photos")
    return [await upload.read(max_bytes + 1) for upload in uploads]  # type: ignore[attr-defined]
