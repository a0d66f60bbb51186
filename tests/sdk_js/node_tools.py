"""Node.js for the JS SDK tests: `npm ci` from a committed lockfile, once per change of its
inputs (and once at a time: pytest-xdist workers share the directories), and reading the
closing counts of `node --test`.

Each install is stamped with a hash of its lockfile and of every file it copies in from
sdk/js/packages (the Next.js example installs those packages with `install-links`), so a run
reinstalls only what changed; CI's fresh clone always installs.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

NODE = shutil.which("node")
NPM = shutil.which("npm")
NPX = shutil.which("npx")
SDK_JS = settings.BASE_DIR / "sdk" / "js"
PACKAGES = SDK_JS / "packages"
NEXTJS_EXAMPLE = settings.BASE_DIR / "examples" / "nextjs-embeddable-credits"
NPM_TIMEOUT_SECONDS = 600
NEXT_BUILD_TIMEOUT_SECONDS = 600
NEXT_BUILD_STAMP = NEXTJS_EXAMPLE / ".next" / "llmgateway-tests-stamp"
# What `next build` reads, besides node_modules (whose own stamp covers the packages).
NEXT_BUILD_INPUTS = ["app", "next.config.mjs", "tsconfig.json", "package-lock.json"]

STAMP = ".llmgateway-tests-stamp"


def require_node() -> tuple[str, str]:
    """node and npm, or a loud skip (a warning in the summary) where Node.js is missing."""
    if NODE is None or NPM is None:
        message = "Node.js 20+ and npm are needed for the JS SDK tests (tests/sdk_js)"
        warnings.warn(message, stacklevel=2)
        pytest.skip(message)
    return NODE, NPM


def files_digest(paths: Iterable[Path]) -> str:
    """A hash of these files' paths and contents (directories: every file below them)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "node_modules" in file.parts:
                continue
            digest.update(str(file.relative_to(settings.BASE_DIR)).encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


@contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """One process at a time in `directory` (a lock file outside the work tree)."""
    name = hashlib.sha256(str(directory).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"llmgateway-node-{name}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def npm_ci(directory: Path, *, inputs: Iterable[Path] = ()) -> None:
    """`npm ci` in `directory` unless its node_modules was installed from the same inputs."""
    _, npm = require_node()
    stamp = directory / "node_modules" / STAMP
    digest = files_digest([directory / "package-lock.json", directory / "package.json", *inputs])
    with exclusive(directory):
        if stamp.exists() and stamp.read_text() == digest:
            return
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=directory,
            check=True,
            timeout=NPM_TIMEOUT_SECONDS,
        )
        stamp.write_text(digest)


def tap_counts(output: str) -> dict[str, int]:
    """The closing counts of `node --test --test-reporter=tap`: pass, fail, skipped, …"""
    return {name: int(count) for name, count in re.findall(r"^# (\w+) (\d+)$", output, re.M)}
