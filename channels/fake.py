"""A loopback stand-in for the systems the centre talks to (WeChat API, SMS gateway, app push,
the 110 system), for tests and the bench: it records every request and can be told to fail."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeRemote:
    """`start()` it, point the HOTLINE_* URLs at `url(path)`, read `received` afterwards."""
    received: list[Received] = field(default_factory=list)
    fail_next: dict[str, int] = field(default_factory=dict)   # path → how many 503s to answer
    token: str = "fake-access-token"

    def start(self) -> "FakeRemote":
        remote = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                remote._handle(self, None)

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                remote._handle(self, body)

        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-remote").start()
        return self

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self._server.shutdown()

    def to(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def _handle(self, h: BaseHTTPRequestHandler, body: Any) -> None:
        parts = urlsplit(h.path)
        with self._lock:
            failing = self.fail_next.get(parts.path, 0)
            if failing:
                self.fail_next[parts.path] = failing - 1
            else:
                self.received.append(Received(h.command, parts.path, parse_qs(parts.query),
                                              dict(h.headers.items()), body))
        status, answer = (503, {"error": "try later"}) if failing else (200, self._answer(parts))
        data = json.dumps(answer).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _answer(self, parts) -> dict[str, Any]:
        if parts.path.endswith("/token"):
            return {"access_token": self.token, "expires_in": 7200}
        if "/message/custom/send" in parts.path:
            ok = parse_qs(parts.query).get("access_token") == [self.token]
            return {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 40001, "errmsg": "token"}
        return {"ok": True}
