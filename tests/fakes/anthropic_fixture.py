"""The `fake_anthropic` fixture: the loopback Anthropic upstream (tests/fakes/anthropic_server.py).

Import both fixtures into a conftest.py to use them:
    from tests.fakes.anthropic_fixture import fake_anthropic, fake_anthropic_server  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.anthropic_server import FakeAnthropic

FAKE_ANTHROPIC_API_KEY = "sk-ant-fake-upstream-0123456789abcdef"


@pytest.fixture(scope="session")
def fake_anthropic_server() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_anthropic(fake_anthropic_server: FakeAnthropic) -> Iterator[FakeAnthropic]:
    """The loopback Anthropic upstream with default knobs and no recorded requests."""
    fake_anthropic_server.reset()
    yield fake_anthropic_server
    fake_anthropic_server.reset()
