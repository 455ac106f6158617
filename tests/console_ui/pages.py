"""Small page helpers the console's browser tests share (selectors live here, not in tests)."""
from __future__ import annotations

import struct
import zlib


def png_bytes(width: int = 8, height: int = 6, rgb=(31, 95, 191)) -> bytes:
    """A tiny valid PNG, as a phone photo stand-in."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def row(page, order_id: int, list_id: str | None = None):
    scope = f"#{list_id} " if list_id else ""
    return page.locator(f"{scope}tr[data-order-id='{order_id}']")


def open_order(page, base: str, order_id: int) -> None:
    page.goto(f"{base}/console/#/order/{order_id}")
    page.wait_for_selector(f".order-head[data-order-id='{order_id}']")


def wait_state(page, state: str, timeout: float = 15_000) -> None:
    page.wait_for_selector(f".order-head[data-state='{state}']", timeout=timeout)


def act(page, action: str, *, reason: str | None = None, fill=None) -> None:
    """Open an action's form, let `fill(form)` complete it, submit; the page re-renders on success
    (the form goes away), while a refused action leaves the form with its error showing."""
    page.click(f"#act-{action}")
    form = page.locator(f"form.action-form[data-action='{action}']")
    if reason is not None:
        form.locator("textarea[name=reason]").fill(reason)
    if fill:
        fill(form)
    form.locator(f"#submit-{action}").click()
    form.wait_for(state="detached")


def pick_unit(form, page, query: str, unit_id: str) -> None:
    form.locator("input.unit-search").fill(query)
    page.click(f".unit-results li[data-unit-id='{unit_id}']")


def tile_value(page, tile_id: str) -> str:
    return page.locator(f"#{tile_id} .tile-value").inner_text().strip()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
