"""Exact conversion between USD amounts as clients write them and integer nano-USD.

1 USD = 1_000_000_000 nanos. Nothing here does float arithmetic: strings and Decimals are read
digit by digit, and a float (a JSON number parsed without `parse_float=Decimal`) is accepted only
when its shortest repr is unambiguous, i.e. exactly the decimal the client sent.
"""

from __future__ import annotations

import re
from decimal import Decimal

from llmgateway.errors import InvalidRequest

NANOS_PER_USD = 1_000_000_000
USD_DECIMAL_PLACES = 9
# Every money column is a BigIntegerField (signed 64-bit).
MAX_NANOS = 2**63 - 1
# Any decimal of up to 15 significant digits survives a round trip through a double, so the
# shortest repr of such a float is exactly what the client wrote; beyond that it may not be.
_FLOAT_EXACT_DIGITS = 15
_MAX_INPUT_LENGTH = 64
# Far more integer digits than MAX_NANOS allows; the exact bound is checked on the result.
_MAX_INTEGER_DIGITS = 20
_USD_STRING = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def usd_to_nanos(
    value: str | int | Decimal | float, *, param: str = "amount", allow_negative: bool = False
) -> int:
    """Parse a USD amount (`"10"`, `"10.00"`, `"8.333333333"`, `10`, `Decimal("1.5")`) into nanos.

    Raises `InvalidRequest` (with `param`) for anything that is not a finite number with at most
    nine decimal places, that does not fit a 64-bit column, or, unless `allow_negative`, is
    negative. Zero is returned as 0: whether zero is allowed is the caller's rule.
    """
    if isinstance(value, bool):
        raise InvalidRequest("Amount must be a decimal string of USD.", param=param)
    if isinstance(value, int):
        nanos = value * NANOS_PER_USD
    else:
        nanos = _decimal_to_nanos(_to_decimal(value, param=param), param=param)
    if nanos < 0 and not allow_negative:
        raise InvalidRequest("Amount must not be negative.", param=param)
    if abs(nanos) > MAX_NANOS:
        raise InvalidRequest("Amount is too large.", param=param)
    return nanos


def nanos_to_usd(nanos: int) -> str:
    """Render nanos as a USD decimal string: at least two decimals, no trailing zeros beyond.

    8_333_333_333 -> "8.333333333", 10_000_000_000 -> "10.00", -1_500_000_000 -> "-1.50".
    """
    if not isinstance(nanos, int) or isinstance(nanos, bool):
        raise TypeError(f"nanos must be an int, not {type(nanos).__name__}")
    sign = "-" if nanos < 0 else ""
    dollars, fraction = divmod(abs(nanos), NANOS_PER_USD)
    decimals = f"{fraction:0{USD_DECIMAL_PLACES}d}".rstrip("0").ljust(2, "0")
    return f"{sign}{dollars}.{decimals}"


def usd_display(nanos: int, *, signed: bool = False) -> str:
    """Money for people, the one rule of every page, admin and element (docs/money.md).

    The sign goes before the symbol, whole dollars are grouped by thousands, and every
    significant decimal is kept (at least two, at most nine): nothing is rounded, so a sub-cent
    cost and a wallet after it are shown exactly. `signed` also marks credits with "+".

    -50_000 -> "-$0.00005", 8_333_333_333 -> "$8.333333333", 1_234_500_000_000 -> "$1,234.50".
    """
    text = nanos_to_usd(nanos)
    sign = "-" if nanos < 0 else ("+" if signed and nanos > 0 else "")
    dollars, _, decimals = text.lstrip("-").partition(".")
    return f"{sign}${int(dollars):,}.{decimals}"


def _to_decimal(value: object, *, param: str) -> Decimal:
    if isinstance(value, float):
        value = Decimal(repr(value))
        if value.is_finite() and len(value.as_tuple().digits) > _FLOAT_EXACT_DIGITS:
            raise InvalidRequest(
                "Amount has too many digits to be read exactly; send it as a string.", param=param
            )
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidRequest("Amount must be a finite decimal number of USD.", param=param)
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_INPUT_LENGTH or not _USD_STRING.fullmatch(text):
            raise InvalidRequest("Amount must be a decimal string of USD.", param=param)
        return Decimal(text)
    raise InvalidRequest("Amount must be a decimal string of USD.", param=param)


def _decimal_to_nanos(value: Decimal, *, param: str) -> int:
    """Exact integer arithmetic on the Decimal's digits: no context, so no silent rounding."""
    sign, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, checked by the caller
    digits = list(digit_tuple)
    while digits and digits[-1] == 0:  # "1.50000000000" is 1.5: trailing zeros are not precision
        digits.pop()
        exponent += 1
    if not digits:
        return 0
    # Checked before any 10**n so that "1E999999" cannot make a huge number.
    if len(digits) + exponent > _MAX_INTEGER_DIGITS:
        raise InvalidRequest("Amount is too large.", param=param)
    if exponent < -USD_DECIMAL_PLACES:
        raise InvalidRequest(
            "Amount has more than 9 decimal places (1 nano-USD is the smallest unit).",
            param=param,
        )
    nanos = int("".join(map(str, digits))) * 10 ** (exponent + USD_DECIMAL_PLACES)
    return -nanos if sign else nanos
