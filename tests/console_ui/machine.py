"""What the browser tests need from the machine: Debian's Chromium, and a CJK font so that the
console's Chinese renders as text, not boxes, in the screenshots. Either missing is a failure
that names the command to run, never a skip: a fresh machine once passed `./dev test` with all
the browser tests silently skipped. `./dev test` installs both when run as root."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def has_cjk_font() -> bool:
    """Whether fontconfig knows a font covering Chinese (fonts-noto-cjk provides one)."""
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    return bool(out.strip())


def missing_packages(chromium: Path = CHROMIUM,
                     cjk_font: Callable[[], bool] = has_cjk_font) -> list[str]:
    """The Debian packages the browser tests still need here (as ./dev's browser-packages)."""
    missing = [] if chromium.exists() else ["chromium"]
    if not cjk_font():
        missing += ([] if shutil.which("fc-list") else ["fontconfig"]) + ["fonts-noto-cjk"]
    return missing


def launch(chromium: Path = CHROMIUM, cjk_font: Callable[[], bool] = has_cjk_font) -> Iterator:
    """The `browser` fixture's body: Chromium driven by Playwright, or a failure with the fix."""
    missing = missing_packages(chromium, cjk_font)
    if missing:
        pytest.fail(f"the browser tests need {' and '.join(missing)}: run "
                    f"`sudo apt-get install -y {' '.join(missing)}` (./dev test installs them "
                    f"when run as root), or leave these tests out with -m 'not browser'",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield b
        b.close()
