"""A small HTTP/1.1 load generator on raw asyncio streams (keep-alive, one request in flight per
connection), cheap enough that the server, not the client, is what gets measured.

Used by the benchmarks in this folder; run it in its own process.
"""
from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    ok: int = 0
    errors: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(p / 100 * len(data)))] * 1000

    def summary(self) -> dict:
        return {"ok": self.ok, "errors": self.errors, "seconds": round(self.seconds, 2),
                "per_s": round(self.rate, 1), "p50_ms": round(self.pct(50), 2),
                "p99_ms": round(self.pct(99), 2),
                "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2)
                if self.latencies else None}


async def _one(reader, writer, raw: bytes) -> tuple[int, bytes]:
    writer.write(raw)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return status, (await reader.readexactly(length) if length else b"")


def request_bytes(host: str, port: int, method: str, path: str, body: dict | None,
                  headers: dict[str, str] | None = None) -> bytes:
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive",
             f"Content-Length: {len(data)}"]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def run(host: str, port: int, make: Callable[[int], bytes], *, total: int,
              concurrency: int, rate: float | None = None,
              on_ok: Callable[[int, float, bytes], None] | None = None) -> Result:
    """Send `total` requests from `concurrency` connections; `rate` paces the starts (req/s);
    `on_ok(i, sent_at, body)` is told of every acknowledged request (perf_counter time).
    A connection the server dropped counts as error 0 and is reopened."""
    res, counter = Result(), iter(range(total))
    started = time.perf_counter()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        for i in counter:
            if rate:
                delay = started + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            t0 = time.perf_counter()
            try:
                status, body = await _one(reader, writer, make(i))
            except (OSError, asyncio.IncompleteReadError, IndexError, ValueError):
                # the server closed the connection (e.g. after a 500): count it, reconnect
                res.errors[0] = res.errors.get(0, 0) + 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            if 200 <= status < 300:
                res.ok += 1
                res.latencies.append(time.perf_counter() - t0)
                if on_ok is not None:
                    on_ok(i, t0, body)
            else:
                res.errors[status] = res.errors.get(status, 0) + 1
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    res.seconds = time.perf_counter() - started
    return res
