"""Checks of free-text and coordinate inputs shared by the Party, task and list actions."""

from __future__ import annotations

from .errors import invalid


def clean_text(value: str | None, field_name: str, *, max_len: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(field_name, f"{field_name} must not be empty")
    if len(text) > max_len:
        raise invalid(field_name, f"{field_name} must be at most {max_len} characters")
    return text


def clean_skills(skills: list[str] | None, field_name: str = "skills") -> list[str]:
    """Trimmed, de-duplicated, each at most 32 characters and without the separator."""
    result: list[str] = []
    for raw in skills or []:
        skill = raw.strip()
        if not skill or "|" in skill or len(skill) > 32:
            raise invalid(field_name, "A skill is 1 to 32 characters, without '|'")
        if skill not in result:
            result.append(skill)
    if len(result) > 12:
        raise invalid(field_name, "At most 12 skills")
    return result


def check_coordinates(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise invalid("latitude", "Give both latitude and longitude, or neither")
    if latitude is not None and not -90 <= latitude <= 90:
        raise invalid("latitude", "latitude must be between -90 and 90")
    if longitude is not None and not -180 <= longitude <= 180:
        raise invalid("longitude", "longitude must be between -180 and 180")
