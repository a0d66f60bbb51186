"""USD decimal strings to integer nanos and back: exact, or refused."""

import random
from decimal import Decimal

import pytest

from llmgateway.errors import InvalidRequest
from llmgateway.money import MAX_NANOS, nanos_to_usd, usd_to_nanos
from tests.helpers.money import USD


@pytest.mark.parametrize(
    ("value", "nanos"),
    [
        ("10", 10 * USD),
        ("10.00", 10 * USD),
        ("8.333333333", 8_333_333_333),
        ("1.666666667", 1_666_666_667),
        ("0.000000001", 1),
        ("0", 0),
        (".5", USD // 2),
        ("  2.5 ", 2_500_000_000),
        ("+3", 3 * USD),
        ("9223372036.854775807", MAX_NANOS),
        (10, 10 * USD),
        (0, 0),
        (Decimal("1.5"), 1_500_000_000),
        (Decimal("1.500000000000000000000"), 1_500_000_000),
        (Decimal("1E+3"), 1000 * USD),
        (10.5, 10_500_000_000),
        (0.1, 100_000_000),
        (0.3, 300_000_000),
        (19.99, 19_990_000_000),
    ],
)
def test_usd_amounts_convert_to_exact_nanos(value, nanos):
    assert usd_to_nanos(value) == nanos


@pytest.mark.parametrize(
    "value",
    [
        "1.0000000001",
        "0.0000000005",
        Decimal("1E-999999"),
        Decimal("0.1234567891"),
    ],
)
def test_more_than_nine_decimal_places_is_refused(value):
    with pytest.raises(InvalidRequest, match="9 decimal places"):
        usd_to_nanos(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "abc",
        "1e3",
        "1,000",
        "1_000",
        "$10",
        "--1",
        "1.2.3",
        "\u0661",  # ARABIC-INDIC DIGIT ONE: Decimal would accept it, an amount must not
        "nan",
        "NaN",
        "inf",
        "Infinity",
        "1" * 100,
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        float("nan"),
        float("inf"),
        float("-inf"),
        None,
        True,
        False,
        [10],
        {"amount": 10},
    ],
)
def test_anything_but_a_finite_decimal_is_refused(value):
    with pytest.raises(InvalidRequest):
        usd_to_nanos(value)


@pytest.mark.parametrize(
    "value",
    [
        "9223372036.854775808",
        10**10,
        Decimal("1E+999999"),
        "99999999999999999999999999999999999999",
    ],
)
def test_amounts_beyond_a_64_bit_column_are_refused(value):
    with pytest.raises(InvalidRequest, match="too large"):
        usd_to_nanos(value)


@pytest.mark.parametrize("value", [0.1 + 0.2, 9223372036.854775807, 1 / 3])
def test_floats_that_are_not_what_a_client_could_have_typed_are_refused(value):
    with pytest.raises(InvalidRequest, match="send it as a string"):
        usd_to_nanos(value)


@pytest.mark.parametrize("value", ["-1.50", -2, Decimal("-0.000000001"), -0.25])
def test_negative_amounts_are_refused_unless_allowed(value):
    with pytest.raises(InvalidRequest, match="negative"):
        usd_to_nanos(value)
    assert usd_to_nanos(value, allow_negative=True) < 0


def test_signed_amounts_convert_exactly_when_allowed():
    assert usd_to_nanos("-1.50", allow_negative=True) == -1_500_000_000
    assert usd_to_nanos("-0.000000001", allow_negative=True) == -1
    assert usd_to_nanos("-0", allow_negative=True) == 0
    assert usd_to_nanos("-0") == 0


def test_the_error_names_the_parameter():
    with pytest.raises(InvalidRequest) as raised:
        usd_to_nanos("lots", param="maxSpend")
    assert raised.value.param == "maxSpend"
    assert raised.value.code == "invalid_request"


@pytest.mark.parametrize(
    ("nanos", "text"),
    [
        (8_333_333_333, "8.333333333"),
        (10 * USD, "10.00"),
        (0, "0.00"),
        (1, "0.000000001"),
        (100_000_000, "0.10"),
        (1_500_000_000, "1.50"),
        (1_230_000_000, "1.23"),
        (1_234_000_000, "1.234"),
        (123_456_789_012, "123.456789012"),
        (-1_500_000_000, "-1.50"),
        (-1, "-0.000000001"),
        (MAX_NANOS, "9223372036.854775807"),
    ],
)
def test_nanos_render_as_usd_decimal_strings(nanos, text):
    assert nanos_to_usd(nanos) == text


@pytest.mark.parametrize("value", [1.5, Decimal("1"), "1", True, None])
def test_rendering_accepts_only_integer_nanos(value):
    with pytest.raises(TypeError):
        nanos_to_usd(value)


def test_render_then_parse_is_the_identity():
    rng = random.Random(20240601)
    samples = [0, 1, -1, USD - 1, USD, USD + 1, MAX_NANOS, -MAX_NANOS]
    samples += [rng.randint(-MAX_NANOS, MAX_NANOS) for _ in range(2000)]
    samples += [rng.randint(-10 * USD, 10 * USD) for _ in range(2000)]
    for nanos in samples:
        assert usd_to_nanos(nanos_to_usd(nanos), allow_negative=True) == nanos
