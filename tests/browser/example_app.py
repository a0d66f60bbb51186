"""The embeddable-credits example (examples/embeddable_credits/server.py) as a live process."""

from __future__ import annotations

import re
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from tests.helpers.live import LiveProcess, child_environment

EXAMPLE = settings.BASE_DIR / "examples" / "embeddable_credits" / "server.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def example_app(
    *, live_server_url: str, secret_key: str, queue: str, log_dir: Path, port: int
) -> Iterator[str]:
    """The developer's backend on `port`, minting sessions on the live gateway; yields its
    origin (http://127.0.0.1:<port>). Whether that origin is allowed is the caller's choice."""
    env = child_environment(
        {"LLMGATEWAY_SECRET_KEY": secret_key, "LLMGATEWAY_URL": live_server_url, "PORT": str(port)},
        queue=queue,
        eager=True,
    )
    process = LiveProcess(
        argv=[sys.executable, str(EXAMPLE)],
        env=env,
        log_path=log_dir / "example.log",
        name="example backend",
    )
    process.start(ready=re.compile(r"Example app on http://"), timeout=20)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()
