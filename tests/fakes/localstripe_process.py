"""localstripe (PyPI, GPL) as a separate process: a stateful Stripe API fake on a free port.

It is run (through tests/fakes/localstripe_launch.py, which adds the `amount_received` real
Stripe sends), never imported here or copied. stripe-python reaches it through STRIPE_API_BASE (our
gateway) or `StripeClient(..., base_addresses={"api": url})` (tests acting as the browser),
and it delivers signed webhooks to URLs registered with `POST /_config/webhooks/<id>`.
"""

from __future__ import annotations

import re
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers.live import LiveProcess

STARTUP_TIMEOUT_SECONDS = 30.0


@dataclass
class LocalStripe:
    process: LiveProcess
    url: str

    def register_webhook(self, *, url: str, secret: str, events: list[str]) -> None:
        response = httpx.post(
            f"{self.url}/_config/webhooks/llmgateway",
            data={
                "url": url,
                "secret": secret,
                **{f"events[{i}]": e for i, e in enumerate(events)},
            },
            timeout=10,
        )
        response.raise_for_status()

    def log_text(self) -> str:
        return self.process.log_text()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def localstripe(tmp_path: Path) -> Iterator[LocalStripe]:
    """A fresh localstripe per test (`--from-scratch`: no state from an earlier run)."""
    port = _free_port()
    launcher = str(Path(__file__).with_name("localstripe_launch.py"))
    argv = [sys.executable, launcher, "--port", str(port), "--from-scratch"]
    env = {"PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"}  # unbuffered: the ready line
    log_path = tmp_path / "localstripe.log"
    process = LiveProcess(argv=argv, env=env, log_path=log_path, name="localstripe")
    process.start(ready=re.compile(r"Running on http"), timeout=STARTUP_TIMEOUT_SECONDS)
    try:
        yield LocalStripe(process=process, url=f"http://127.0.0.1:{port}")
    finally:
        process.stop()
