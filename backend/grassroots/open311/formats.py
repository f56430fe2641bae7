"""GeoReport v2 documents as JSON or XML.

The spec's JSON is the Spark convention's mapping of its XML: a JSON list is an XML wrapper
element of repeated items (`"services": [...]` ↔ `<services><service>…</service></services>`),
null an empty element and booleans `true`/`false`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from enum import StrEnum
from typing import Any

from starlette.responses import Response


class Format(StrEnum):
    JSON = "json"
    XML = "xml"


CONTENT_TYPES = {
    Format.JSON: "application/json; charset=utf-8",
    Format.XML: "text/xml; charset=utf-8",
}
# In XML, the element name of each item of a list, by the list's element name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
}
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


def split_format(segment: str) -> tuple[str, Format | None]:
    """`services.json` → (`services`, JSON); a segment without a known suffix stays whole."""
    for fmt in Format:
        suffix = f".{fmt.value}"
        if segment.endswith(suffix) and len(segment) > len(suffix):
            return segment[: -len(suffix)], fmt
    return segment, None


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, list):
        item_name = ITEM_NAMES[element.tag]
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    elif isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, body: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, body)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()


def to_json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def render(fmt: Format, root: str, body: Any, status_code: int = 200) -> Response:
    """`root` names the XML document element; JSON carries `body` as it is."""
    content = to_xml(root, body) if fmt is Format.XML else to_json(body)
    return Response(content, status_code=status_code, headers={"Content-Type": CONTENT_TYPES[fmt]})


def render_errors(fmt: Format, status_code: int, descriptions: list[str]) -> Response:
    """The spec's error document: one `{code, description}` per problem."""
    body = [{"code": status_code, "description": d} for d in descriptions]
    return render(fmt, "errors", body, status_code)
