"""Attachments: allowed types and sizes only, bytes stored, visible to whoever sees the order."""
from __future__ import annotations

from tests.helpers import auth

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_photo_upload_is_stored_and_downloadable_by_uploader(client, tokens):
    r = client.post("/api/v1/attachments", headers=auth(tokens["village_handler"]),
                    files={"file": ("现场.png", PNG, "image/png")})
    assert r.status_code == 201, r.text
    att = r.json()
    assert att["size"] == len(PNG) and att["content_type"] == "image/png"
    got = client.get(f"/api/v1/attachments/{att['id']}", headers=auth(tokens["village_handler"]))
    assert got.status_code == 200 and got.content == PNG
    other = client.get(f"/api/v1/attachments/{att['id']}", headers=auth(tokens["dept_handler"]))
    assert other.status_code == 404


def test_disallowed_type_is_refused_with_reason(client, tokens):
    r = client.post("/api/v1/attachments", headers=auth(tokens["village_handler"]),
                    files={"file": ("x.exe", b"MZ\x90\x00", "application/x-msdownload")})
    assert r.status_code == 422 and "not allowed" in r.json()["message"]


def test_content_must_match_declared_type(client, tokens):
    r = client.post("/api/v1/attachments", headers=auth(tokens["village_handler"]),
                    files={"file": ("fake.png", b"<html>not an image</html>", "image/png")})
    assert r.status_code == 422 and "does not look like image/png" in r.json()["message"]


def test_oversize_upload_is_refused_with_413(client, tokens):
    from dispatch.config import get_settings

    big = PNG + b"\x00" * get_settings().attachment_max_bytes
    r = client.post("/api/v1/attachments", headers=auth(tokens["village_handler"]),
                    files={"file": ("big.png", big, "image/png")})
    assert r.status_code == 413
