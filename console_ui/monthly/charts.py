"""The report's charts, drawn on the server with matplotlib as PNG bytes (no display needed).

Chinese labels need a CJK font: the one fontconfig picks for ``zh-cn`` (fonts-noto-cjk in the
image), looked up at run time with ``fc-match``; never downloaded. The PNGs carry no creation
time or software tag, so the same figures give the same bytes.
"""
from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

COLOURS = ["#1565c0", "#2e7d32", "#ef6c00", "#c62828", "#6a1b9a", "#00838f", "#ad1457", "#9e9d24",
           "#455a64", "#f9a825"]
DPI = 150


class NoCjkFont(RuntimeError):
    """No font with Chinese glyphs: install fonts-noto-cjk (Debian) and retry."""


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of fontconfig's choice for Simplified Chinese, registered with matplotlib."""
    if shutil.which("fc-match") is None:
        raise NoCjkFont("fc-match not found: install fontconfig and fonts-noto-cjk")
    path = subprocess.run(["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn"], capture_output=True,
                          text=True, check=False, timeout=10).stdout.strip()
    if not path:
        raise NoCjkFont("fontconfig knows no Chinese font: install fonts-noto-cjk")
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _figure(width: float = 7.0, height: float = 3.2):
    plt.rcParams["font.family"] = cjk_font()
    plt.rcParams["axes.unicode_minus"] = False
    fig, ax = plt.subplots(figsize=(width, height))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))     # orders come whole
    return fig, ax


def channel_bars(labels: list[str], current: list[int], previous: list[int], names: tuple[str, str]) -> bytes:
    fig, ax = _figure()
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], previous, width=0.4, label=names[1], color="#90a4ae")
    ax.bar([x + 0.2 for x in xs], current, width=0.4, label=names[0], color=COLOURS[0])
    ax.set_xticks(list(xs), labels, rotation=20, ha="right")
    ax.set_ylabel("件")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def daily_trend(days: list[str], received: list[int], closed: list[int], names: tuple[str, str]) -> bytes:
    fig, ax = _figure()
    ax.plot(days, received, marker="o", ms=3, label=names[0], color=COLOURS[0])
    ax.plot(days, closed, marker="s", ms=3, label=names[1], color=COLOURS[1])
    ax.set_xticks(days[::max(1, len(days) // 10)])
    ax.set_ylabel("件")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def rate_bars(labels: list[str], rates: list[float | None], title: str) -> bytes:
    """Horizontal bars of a rate (0..1) per unit, best on top; a unit without a rate shows none."""
    fig, ax = _figure(height=max(2.2, 0.32 * len(labels) + 0.8))
    ys = list(range(len(labels)))[::-1]
    values = [100 * r if r is not None else 0 for r in rates]
    ax.barh(ys, values, color=[COLOURS[0] if r is not None else "#cfd8dc" for r in rates])
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"{title}（%）")
    for y, r in zip(ys, rates):
        ax.text(2 if r is None else min(100 * r, 88) + 1, y, "—" if r is None else f"{100 * r:.1f}%",
                va="center", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
