"""The top-up split of DESIGN.md §3 in exact integer nanos."""

from decimal import Decimal

import pytest

from billing.markup import topup_split
from tests.helpers.money import USD

CENT = 10_000_000

# amount (nanos), markup %, fee % -> (net, margin, fee)
TABLE = [
    (10 * USD, "0", "0", 10 * USD, 0, 0),
    (10 * USD, "12.5", "0", 8_888_888_888, 1_111_111_112, 0),
    (10 * USD, "20", "0", 8_333_333_333, 1_666_666_667, 0),
    (10 * USD, "100", "0", 5 * USD, 5 * USD, 0),
    (5 * USD, "0", "2.9", 5 * USD, 0, 15 * CENT),  # 14.5 cents, rounded up to 15
    (5 * USD, "12.5", "2.9", 4_444_444_444, 555_555_556, 15 * CENT),
    (5 * USD, "20", "2.9", 4_166_666_666, 833_333_334, 15 * CENT),
    (5 * USD, "100", "2.9", 2_500_000_000, 2_500_000_000, 15 * CENT),
    (1234 * CENT, "12.5", "3", 10_968_888_888, 1_371_111_112, 38 * CENT),  # 37.02 -> 38
    (1234 * CENT, "20", "3", 10_283_333_333, 2_056_666_667, 38 * CENT),
    (5000 * USD, "100", "0", 2500 * USD, 2500 * USD, 0),
    (5000 * USD, "12.5", "1", 4444_444_444_444, 555_555_555_556, 50 * USD),
    (1 * CENT, "20", "0", 8_333_333, 1_666_667, 0),
    (1 * CENT, "100", "1", 5_000_000, 5_000_000, 1 * CENT),  # 0.01 cent rounds up to a cent
]


@pytest.mark.parametrize(("amount", "markup", "fee_percent", "net", "margin", "fee"), TABLE)
def test_split_is_exact(amount, markup, fee_percent, net, margin, fee):
    split = topup_split(amount_nanos=amount, markup_percent=markup, fee_percent=fee_percent)
    assert (split.net_nanos, split.margin_nanos, split.fee_nanos) == (net, margin, fee)
    assert split.net_nanos + split.margin_nanos == amount
    assert split.total_nanos == amount + split.fee_nanos
    assert split.total_nanos % CENT == 0
    assert all(isinstance(value, int) for value in vars(split).values())


def test_design_example_ten_dollars_at_twenty_percent():
    split = topup_split(amount_nanos=10 * USD, markup_percent=Decimal("20"), fee_percent=0)
    assert split.net_nanos == 8_333_333_333
    assert split.margin_nanos == 1_666_666_667
    assert split.total_nanos == 10 * USD


@pytest.mark.parametrize("amount", [0, -USD, USD + 1, 5 * CENT + 5])
def test_amount_must_be_positive_whole_cents(amount):
    with pytest.raises(ValueError):
        topup_split(amount_nanos=amount, markup_percent="20", fee_percent="0")


def test_negative_percentages_are_refused():
    with pytest.raises(ValueError):
        topup_split(amount_nanos=USD, markup_percent="-1", fee_percent="0")
