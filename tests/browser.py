"""Headless Chromium for the HTML report: a screenshot, and the page's console messages.

Chromium's ``--enable-logging=stderr --v=0`` writes every console message of the page (console
calls, uncaught exceptions, Content-Security-Policy violations, failed loads) to stderr as a line
holding ``:CONSOLE`` and the page's ``source:``. That needs no DevTools client, and the report runs
no script of its own, so any console message at all is a defect.

``python -m tests.browser [PNG]`` renders the sample's report and saves it as the README
screenshot (``docs/screenshot.png`` by default).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = "install it with `apt-get install -y chromium` (Debian/Ubuntu)"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
)  # fmt: skip
# "[pid:tid:time:INFO:CONSOLE:12] "message", source: file:///... (12)"; older builds write CONSOLE(12).
_CONSOLE = re.compile(r":CONSOLE(?::\d+|\(\d+\))\]\s*(.*)")


@dataclass(frozen=True, slots=True)
class Shot:
    png: Path
    console: list[str]


def chromium() -> str:
    """The Chromium binary; raises with how to install it, so a missing browser fails the test run."""
    found = shutil.which(CHROMIUM) or shutil.which("chromium")
    if found is None:
        raise RuntimeError(f"headless Chromium not found at {CHROMIUM}: {INSTALL_HINT}")
    return found


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2000, timeout: float = 60) -> Shot:
    """Load ``page`` in a fresh profile, save a ``width`` x ``height`` screenshot, collect console lines."""
    with tempfile.TemporaryDirectory(prefix="dedup-chromium-") as profile:
        result = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
             f"--window-size={width},{height}", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    if result.returncode != 0 or not png.exists():
        raise RuntimeError(f"chromium failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return Shot(png, [m.group(1) for m in map(_CONSOLE.search, result.stderr.splitlines()) if m])


# Logged by the probe ``layout`` injects: the page's scroll width and each card's box.
_PROBE = """<script>
console.log("layout page " + document.documentElement.scrollWidth + " " + window.innerWidth);
for (const row of document.querySelectorAll(SELECTOR)) {
  const box = row.getBoundingClientRect();
  console.log("layout card " + getComputedStyle(row).display + " " + Math.round(box.left) + " "
              + Math.round(box.right) + " " + Math.round(box.height));
}
</script>"""


@dataclass(frozen=True, slots=True)
class Layout:
    """How a page lays out at one width: its scroll width, the viewport's, and the boxes of the cards
    (display, left, right, height in CSS pixels)."""

    scroll_width: int
    viewport_width: int
    cards: list[tuple[str, int, int, int]]


def layout(page: Path, width: int, cards: str, height: int = 1200) -> Layout:
    """Load a copy of ``page`` in a frame ``width`` pixels wide with a probe script (its policy lifted for
    the copy only) that logs the page's scroll width and the box of every element matching the CSS
    selector ``cards``. A frame, because headless Chromium's window is never narrower than 500 pixels,
    wider than a phone."""
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text(encoding="utf-8"))
    probe = _PROBE.replace("SELECTOR", repr(cards))
    with tempfile.TemporaryDirectory(prefix="dedup-layout-") as tmp:
        copy = Path(tmp) / "page.html"
        copy.write_text(html.replace("</body>", probe + "</body>"), encoding="utf-8")
        frame = Path(tmp) / "frame.html"
        frame.write_text(f'<!DOCTYPE html><body style="margin:0"><iframe src="page.html" '
                         f'style="width:{width}px;height:{height}px;border:0"></iframe></body>', encoding="utf-8")
        shot = screenshot(frame, Path(tmp) / "layout.png", max(width, 500), height)
    lines = [re.search(r'"layout (.*?)"', line) for line in shot.console]
    found = [m.group(1).split() for m in lines if m]
    (page_line,) = [f for f in found if f[0] == "page"]
    return Layout(int(page_line[1]), int(page_line[2]),
                  [(f[1], int(f[2]), int(f[3]), int(f[4])) for f in found if f[0] == "card"])


def png_size(png: Path) -> tuple[int, int]:
    """Width and height from the PNG header."""
    header = png.read_bytes()[:24]
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{png} is not a PNG")
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def main(argv: list[str]) -> None:
    from dedup.pipeline import scan
    from dedup.report.render_html import render_html

    root = Path(__file__).resolve().parent.parent
    target = Path(argv[0]) if argv else root / "docs" / "screenshot.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(render_html(scan(root / "data" / "sample")), encoding="utf-8")
        shot = screenshot(page, target)
    for line in shot.console:
        print(f"console: {line}", file=sys.stderr)
    print(f"{target}: {png_size(target)[0]}x{png_size(target)[1]}")


if __name__ == "__main__":
    main(sys.argv[1:])
