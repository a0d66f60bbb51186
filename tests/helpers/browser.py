"""Real-browser tests: where Debian's Chromium is, how it is launched, and screenshots (kept
under artifacts/screenshots/, optionally copied to docs/images/)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this
# closed network refuses (and which would slow every page load).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000


def screenshot(page, name: str, *, for_docs: bool = False) -> Path:
    """Save a full-page PNG under artifacts/screenshots/ and return its path; `for_docs` also
    copies it to docs/images/, where README and docs/ show it."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    if for_docs:
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / path.name)
    return path
