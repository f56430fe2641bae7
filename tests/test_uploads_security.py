"""Uploads: judged by their content, never by their name or declared type; bombs refused from
the header; stored re-encoded, without EXIF (no GPS position leaves the server) and upright;
served from the app's own origin with safe headers, only through a signed link that is
issued inside a case its viewer may see.

The EXIF policy: a stored photo keeps its pixels (turned upright by its Orientation tag) and
its colour profile, nothing else — no GPS, camera, time or comment — because photos are shown
to staff, departments, other systems and wall screens.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from grassroots.clock import FrozenClock
from grassroots.settings import Settings

from . import lookup
from .client import Api
from .images import jpeg, jpeg_with_location, png, png_bomb
from .operations import REPORT_CASE

PHOTOS = """
query Photos($id: ID!) { node(id: $id) { ... on Case {
  photos { url thumbnailUrl contentType width height }
} } }
"""
CREATE_DISPLAY = """
mutation Screen($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token userErrors { code } }
}
"""
SAFE_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'",
    "cross-origin-resource-policy": "same-origin",
}


@pytest.fixture
async def place(api: Api) -> dict[str, str]:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    return {
        "grid": (await lookup.grids_of(api, yanqing["id"]))[0]["id"],
        "category": await lookup.category(api, "heating.pipe-leak"),
    }


async def _report(
    api: Api, place: dict[str, str], name: str, data: bytes, declared: str = "image/jpeg"
) -> dict[str, Any]:
    """resident1 reports a case with one photo; the reportCase payload."""
    variables = {
        "input": {
            "title": "누수 漏水",
            "description": "사진 첨부 附照片",
            "categoryId": place["category"],
            "regionId": place["grid"],
            "photos": [None],
        }
    }
    files = {"variables.input.photos.0": (name, data, declared)}
    response = await api.upload("resident1", REPORT_CASE, variables, files)
    assert response.status_code == 200, response.text
    return response.json()["data"]["reportCase"]


async def _photo(api: Api, place: dict[str, str], name: str, data: bytes) -> dict[str, Any]:
    payload = await _report(api, place, name, data)
    assert payload["userErrors"] == [], payload["userErrors"]
    case = payload["case"]["id"]
    photo = (await api.as_user("community1", PHOTOS, {"id": case}))["node"]["photos"][0]
    return dict(photo, case=case)


def _stored(settings: Settings) -> set[str]:
    return (
        {p.name for p in settings.upload_dir.glob("*")} if settings.upload_dir.exists() else set()
    )


async def test_a_photo_is_typed_by_its_content_not_its_name(
    api: Api, place: dict[str, str]
) -> None:
    # Given a PNG sent as "leak.jpg" with the type image/jpeg
    photo = await _photo(api, place, "leak.jpg", png())

    # Then it is kept and served as the PNG it is, with headers that forbid sniffing
    assert photo["contentType"] == "image/png"
    served = await api.http.get(photo["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert {k: served.headers.get(k) for k in SAFE_HEADERS} == SAFE_HEADERS
    assert Image.open(io.BytesIO(served.content)).format == "PNG"


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>fetch('/graphql')</script></svg>"
)
NOT_PHOTOS = {
    "html": b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>",
    "svg": SVG,
    "gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
    b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
    "truncated jpeg": jpeg()[:200],
}


@pytest.mark.parametrize("kind", list(NOT_PHOTOS))
async def test_a_file_that_is_no_photo_is_refused_whatever_it_claims(
    api: Api, settings: Settings, place: dict[str, str], kind: str
) -> None:
    # Given a file that is not a JPEG, PNG or WebP, named and typed as a JPEG
    before = _stored(settings)

    # When it is sent as a case's photo
    payload = await _report(api, place, "photo.jpg", NOT_PHOTOS[kind])

    # Then the report is refused naming the photo, and nothing is stored
    assert payload["case"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        ("photos.0", "UPLOAD_INVALID")
    ]
    assert _stored(settings) == before


async def test_a_polyglot_loses_everything_but_its_picture(api: Api, place: dict[str, str]) -> None:
    # Given a valid JPEG with an HTML page appended (a JPEG/HTML polyglot)
    payload = b"<html><body><script>alert(document.cookie)</script></body></html>"
    photo = await _photo(api, place, "leak.jpg", jpeg() + payload)

    # Then what is served is a JPEG without the page, and may not be sniffed as HTML
    served = await api.http.get(photo["url"])
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert b"<script" not in served.content
    assert Image.open(io.BytesIO(served.content)).format == "JPEG"


async def test_a_decompression_bomb_is_refused_from_its_header(
    api: Api, settings: Settings, place: dict[str, str]
) -> None:
    # Given a 49 KB PNG that would decode to 20000 × 20000 pixels
    bomb = png_bomb()
    assert len(bomb) < 100_000
    before = _stored(settings)

    # When it is sent as a photo
    payload = await _report(api, place, "bomb.png", bomb, "image/png")

    # Then it is refused as too large, naming the photo, and nothing is stored
    assert payload["case"] is None
    [error] = payload["userErrors"]
    assert (error["field"], error["code"]) == ("photos.0", "UPLOAD_TOO_LARGE")
    assert "megapixels" in error["message"]
    assert _stored(settings) == before


async def test_exif_is_stripped_and_the_photo_stored_upright(
    api: Api, settings: Settings, place: dict[str, str]
) -> None:
    # Given a phone photo 64 × 48 taken turned, with a GPS position, a camera and a time
    original = jpeg_with_location(64, 48)
    assert Image.open(io.BytesIO(original)).getexif()

    # When it is reported
    photo = await _photo(api, place, "IMG_0001.jpg", original)

    # Then the stored photo and its thumbnail carry no EXIF at all, and stand upright
    assert (photo["width"], photo["height"]) == (48, 64)
    for url in (photo["url"], photo["thumbnailUrl"]):
        served = await api.http.get(url)
        image = Image.open(io.BytesIO(served.content))
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
        assert b"PhoneMaker" not in served.content
    assert Image.open(io.BytesIO((await api.http.get(photo["url"])).content)).size == (48, 64)
    # and no file on disk holds the position either
    for path in settings.upload_dir.glob("*"):
        assert b"PhoneMaker" not in path.read_bytes()


def _with(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return f"{parts.path}?" + "&".join(f"{k}={v}" for k, v in query.items())


async def test_a_media_link_works_only_as_signed_and_until_it_expires(
    api: Api, place: dict[str, str], clock: FrozenClock
) -> None:
    # Given a photo's signed link and its thumbnail's
    photo = await _photo(api, place, "leak.jpg", jpeg())
    url, thumb = photo["url"], photo["thumbnailUrl"]
    assert (await api.http.get(url)).status_code == 200

    # Then an altered signature, another file's signature, a later expiry, no signature or a
    # path outside the uploads all answer 404
    signature = parse_qs(urlsplit(url).query)["sig"][0]
    other_signature = parse_qs(urlsplit(thumb).query)["sig"][0]
    expiry = int(parse_qs(urlsplit(url).query)["exp"][0])
    forged = [
        _with(url, sig=("0" if signature[0] != "0" else "1") + signature[1:]),
        _with(url, sig=other_signature),
        _with(url, exp=str(expiry + 3600)),
        urlsplit(url).path,
        _with(url.replace(Path(urlsplit(url).path).name, "..%2Fgrassroots.db")),
    ]
    for link in forged:
        assert (await api.http.get(link)).status_code == 404, link

    # and the genuine link stops working once it has expired
    clock.advance(hours=3)
    assert (await api.http.get(url)).status_code == 404


async def test_a_display_gets_links_only_inside_cases_it_may_see(
    api: Api, place: dict[str, str]
) -> None:
    # Given a case in Yanqing with a photo, Yanqing's wall screen, and a screen of Minxing
    photo = await _photo(api, place, "leak.jpg", jpeg())
    minxing = await lookup.region(api, "COMMUNITY", "民兴社区")
    made = await api.as_user(
        "admin",
        CREATE_DISPLAY,
        {"input": {"name": "minxing-lobby", "role": "DISPLAY", "regionId": minxing["id"]}},
    )
    other_screen = made["createApiToken"]["token"]

    # Then Yanqing's screen gets a working link
    seen = await api.as_user("screen1", PHOTOS, {"id": photo["case"]})
    assert (await api.http.get(seen["node"]["photos"][0]["url"])).status_code == 200

    # and Minxing's screen gets neither the case nor any link to its photo
    body = await api.raw(PHOTOS, {"id": photo["case"]}, token=other_screen)
    assert body["data"]["node"] is None
    listed = await api.raw(
        "query { cases(first: 100) { nodes { photos { url } } } }", token=other_screen
    )
    assert listed["data"]["cases"]["nodes"] == []


async def test_a_photo_with_broken_exif_is_kept_upright_without_it(
    api: Api, place: dict[str, str]
) -> None:
    # Given a turned phone photo whose GPS latitude claims to be text (an EXIF writer's bug,
    # or a crafted file); found by fuzzing, it used to fail as an unexpected error
    original = jpeg_with_location(64, 48)
    rational, text = bytes.fromhex("0002000500000003"), bytes.fromhex("0002000200000003")
    assert original.count(rational) == 1
    broken = original.replace(rational, text)

    # When it is reported
    photo = await _photo(api, place, "IMG_0002.jpg", broken)

    # Then it is stored upright and without any EXIF
    assert (photo["width"], photo["height"]) == (48, 64)
    served = await api.http.get(photo["url"])
    assert dict(Image.open(io.BytesIO(served.content)).getexif()) == {}
