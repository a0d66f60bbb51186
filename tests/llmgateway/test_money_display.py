"""The one money rule for people (docs/money.md): Python's `usd_display` and the elements'
`formatUsd` (sdk/js/static/elements-style.js, served as /static/llmgateway/elements-style.js) write
every amount the same way."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from llmgateway.money import MAX_NANOS, nanos_to_usd, usd_display
from tests.helpers.money import USD

ELEMENTS_STYLE = Path(__file__).resolve().parents[2] / "sdk" / "js" / "static" / "elements-style.js"


@pytest.mark.parametrize(
    ("nanos", "shown", "signed"),
    [
        (-50_000, "-$0.00005", "-$0.00005"),
        (8_333_333_333, "$8.333333333", "+$8.333333333"),
        (1_234_500_000_000, "$1,234.50", "+$1,234.50"),
        (0, "$0.00", "$0.00"),
        (28_000, "$0.000028", "+$0.000028"),
        (-8_333_300_000, "-$8.3333", "-$8.3333"),
        (2 * USD, "$2.00", "+$2.00"),
        (1, "$0.000000001", "+$0.000000001"),
        (MAX_NANOS, "$9,223,372,036.854775807", "+$9,223,372,036.854775807"),
    ],
)
def test_sign_before_the_symbol_and_every_significant_decimal(nanos, shown, signed):
    assert usd_display(nanos) == shown
    assert usd_display(nanos, signed=True) == signed


def test_elements_format_money_exactly_as_the_server_does():
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js")
    rng = random.Random(2026)
    samples = [0, 1, -1, 999, USD - 1, USD, 1_000 * USD, -1_234_567 * USD - 89, MAX_NANOS]
    samples += [rng.randint(-10 * USD, 10 * USD) for _ in range(300)]
    samples += [rng.randint(-MAX_NANOS, MAX_NANOS) for _ in range(300)]
    script = (
        f"import({json.dumps(ELEMENTS_STYLE.as_uri())}).then((m) => {{"
        "const values = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(values.map((v) => [m.formatBalance(v), m.formatCost(v)])));"
        "});"
    )
    values = [nanos_to_usd(nanos) for nanos in samples]
    result = subprocess.run(
        [node, "--input-type=module", "-e", script, json.dumps(values)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    shown = json.loads(result.stdout)
    for nanos, (balance, cost) in zip(samples, shown, strict=True):
        assert balance == usd_display(nanos), nanos
        assert cost == usd_display(nanos), nanos
