"""The top-up split (DESIGN.md §3) in exact integer nano-USD: fee, total, net credit, margin.

    fee    = amount * fee% / 100, rounded UP to a whole cent (the card is charged in cents)
    total  = amount + fee                   (what the card is charged)
    net    = floor(amount * 100 / (100 + markup%))   (what the wallet is credited)
    margin = amount - net                   (the organization's markup)

Percentages are Decimals (`Decimal("12.5")`); the arithmetic runs on exact fractions, never
floats. The amount itself must be a whole number of cents, so the total is too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

NANOS_PER_CENT = 10_000_000


@dataclass(frozen=True)
class TopUpSplit:
    amount_nanos: int
    fee_nanos: int
    total_nanos: int
    net_nanos: int
    margin_nanos: int

    @property
    def total_cents(self) -> int:
        return self.total_nanos // NANOS_PER_CENT


def _percent(value: Decimal | str | int) -> Fraction:
    percent = Fraction(Decimal(value))
    if percent < 0:
        raise ValueError(f"a percentage cannot be negative: {value}")
    return percent


def topup_split(
    *, amount_nanos: int, markup_percent: Decimal | str | int, fee_percent: Decimal | str | int
) -> TopUpSplit:
    if amount_nanos <= 0 or amount_nanos % NANOS_PER_CENT:
        raise ValueError("a top-up amount is a positive whole number of cents")
    markup = _percent(markup_percent)
    fee_exact = Fraction(amount_nanos) * _percent(fee_percent) / 100
    fee_nanos = math.ceil(fee_exact / NANOS_PER_CENT) * NANOS_PER_CENT
    net_nanos = math.floor(Fraction(amount_nanos) * 100 / (100 + markup))
    return TopUpSplit(
        amount_nanos=amount_nanos,
        fee_nanos=fee_nanos,
        total_nanos=amount_nanos + fee_nanos,
        net_nanos=net_nanos,
        margin_nanos=amount_nanos - net_nanos,
    )
