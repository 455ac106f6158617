"""The OpenAPI schema clients and the schema fuzz test read: every reference in it resolves, and
operations that answer with a file say so."""
from __future__ import annotations

from typing import Any, Iterator

from tests.helpers import auth

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def references(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    """Every `$ref` in the document with the place it was found."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from references(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from references(value, f"{where}/{i}")


def resolve(document: dict, ref: str) -> Any:
    """A local reference (`#/a/b`, JSON pointer escapes ~0 ~1) in the document; KeyError if absent."""
    if not ref.startswith("#/"):
        raise KeyError(f"not a reference inside the document: {ref}")
    node: Any = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def test_every_reference_in_the_openapi_schema_resolves(app):
    schema = app.openapi()
    found = list(references(schema))
    unresolved = []
    for where, ref in found:
        try:
            resolve(schema, ref)
        except (KeyError, IndexError, ValueError):
            unresolved.append(f"{where}: {ref}")
    assert found and not unresolved, "\n".join(unresolved)


def test_attachment_download_is_documented_as_the_file_it_returns(app, client, tokens):
    from dispatch.config import get_settings

    up = client.post("/api/v1/attachments", headers=auth(tokens["village_handler"]),
                     files={"file": ("现场.png", PNG, "image/png")})
    got = client.get(f"/api/v1/attachments/{up.json()['id']}",
                     headers=auth(tokens["village_handler"]))
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    documented = app.openapi()["paths"]["/api/v1/attachments/{attachment_id}"]["get"]
    content = documented["responses"]["200"]["content"]
    assert set(content) == get_settings().allowed_attachment_types
    assert content["image/png"]["schema"] == {"type": "string", "format": "binary"}
