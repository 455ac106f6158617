"""Open311 GeoReport v2 in the centre's words: the service list is the category model's
categories, a service request is the public part of an order (dispatch/citizens/public.py),
and both formats of the spec, JSON and XML, are rendered from the same dicts. No DB.

Decisions a maintainer needs:
- Only orders that came in through Open311 are listed or shown: a citizen who called 12345
  did not publish the report, and the status page asks for the phone's last four digits.
- A request shows its public part only (number, open/closed, state in plain Chinese as
  status_notes, or the public reply once finished, category, dates): never the reporter,
  phone, e-mail, text or place, which the reporter's app already holds.
- XML is built with ElementTree (text escaped by the library, never by string concatenation).
- Errors take the spec's shape, `[{code, description}]` or `<errors><error>…`, with the spec's
  statuses: the centre's 401 (no key, a bad or revoked key) is the spec's 403, and its 422
  (a missing place, an unknown service, a malformed parameter) the spec's 400; `code` is the
  HTTP status, as the spec's examples and FixMyStreet use it.
"""
from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from classifiers.features import TAXONOMY_CSV
from classifiers.training import load_examples
from dispatch.citizens.public import PublicStatus

MAX_REQUESTS = 1000             # one answer of GET requests holds at most this many
DEFAULT_DAYS = 90               # the spec's default window, and the longest one allowed


@lru_cache(maxsize=1)
def services() -> tuple[dict[str, Any], ...]:
    """One service per category the category model knows; its keywords from the taxonomy."""
    terms: dict[str, list[str]] = {}
    with open(TAXONOMY_CSV, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            level2 = (row.get("level2") or "").strip()
            bucket = terms.setdefault((row.get("level1") or "").strip(), [])
            if level2 and level2 not in bucket:
                bucket.append(level2)
    return tuple({"service_code": c, "service_name": c, "group": c, "type": "realtime",
                  "metadata": False, "keywords": ",".join(terms.get(c, [])),
                  "description": "、".join(terms.get(c, [])[:8]) or c}
                 for c in dict.fromkeys(e.label for e in load_examples()))


def service(code: str) -> dict[str, Any] | None:
    return next((s for s in services() if s["service_code"] == code), None)


def definition(code: str) -> dict[str, Any]:
    """The service definition: no extra attributes (every service has metadata false)."""
    return {"service_code": code, "attributes": []}


# the centre's statuses the spec words otherwise; the rest (404, 409, 413, 429, 503) stay
SPEC_STATUS = {401: 403, 422: 400}


def error_rows(status: int, message: str) -> tuple[int, list[dict[str, Any]]]:
    """(the spec's status, the spec's error list) for one of the centre's errors."""
    status = SPEC_STATUS.get(status, status)
    return status, [{"code": status, "description": message}]


def wants_xml(path: str) -> bool:
    """Whether the request asked for XML: the path's format suffix (`….xml`)."""
    return path.rsplit("/", 1)[-1].lower().endswith(".xml")


def status_word(open_: bool) -> str:
    return "open" if open_ else "closed"


def request_view(s: PublicStatus, *, category: str | None, agency: str,
                 expected: datetime | None) -> dict[str, Any]:
    return {"service_request_id": s.number, "status": status_word(s.open),
            "status_notes": s.reply or s.state_text, "service_name": category,
            "service_code": category, "agency_responsible": agency, "service_notice": "",
            "requested_datetime": s.received_at.isoformat(),
            "updated_datetime": s.updated_at.isoformat(),
            "expected_datetime": expected.isoformat() if expected else None}


def external_id(client_id: int, idempotency_key: str | None,
                fields: Iterable[tuple[str, str]]) -> str:
    """The order's external id: the client's Idempotency-Key when it sends one, else the
    digest of the form it posted (api_key left out), so a plain retry is the same order."""
    if idempotency_key:
        return f"{client_id}:k:{idempotency_key.strip()[:96]}"
    canonical = "&".join(f"{k}={v}" for k, v in sorted(fields) if k != "api_key")
    return f"{client_id}:h:{hashlib.sha256(canonical.encode()).hexdigest()[:40]}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def to_xml(root: str, item: str, rows: Iterable[Mapping[str, Any]]) -> bytes:
    """<root><item><field>…</field>…</item>…</root>; a list value repeats its element
    (attributes → attribute)."""
    top = Element(root)
    for row in rows:
        node = SubElement(top, item)
        _fill(node, row)
    return tostring(top, encoding="utf-8", xml_declaration=True)


def _fill(node: Element, row: Mapping[str, Any]) -> None:
    for key, value in row.items():
        if isinstance(value, list):
            holder = SubElement(node, key)
            for part in value:
                _fill(SubElement(holder, key.rstrip("s")), part)
        else:
            SubElement(node, key).text = _text(value)


def one_to_xml(root: str, row: Mapping[str, Any]) -> bytes:
    top = Element(root)
    _fill(top, row)
    return tostring(top, encoding="utf-8", xml_declaration=True)
