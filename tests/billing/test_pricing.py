"""Request costs in integer nano-USD: exact sums, one ceiling division, no float."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from billing.pricing import cost_nanos, output_tokens_bound, worst_case_cost_nanos


@dataclass
class Prices:
    input_nanos_per_million_tokens: int = 0
    output_nanos_per_million_tokens: int = 0
    cached_input_nanos_per_million_tokens: int = 0
    nanos_per_image: int = 0
    nanos_per_request: int = 0
    max_output_tokens: int = 4096
    context_window: int = 128_000


GPT_4O_MINI = Prices(
    input_nanos_per_million_tokens=150_000_000,  # $0.15 / M
    cached_input_nanos_per_million_tokens=75_000_000,  # $0.075 / M
    output_nanos_per_million_tokens=600_000_000,  # $0.60 / M
    max_output_tokens=16_384,
    context_window=128_000,
)


def test_cost_of_a_gpt_4o_mini_request_is_exact():
    assert cost_nanos(GPT_4O_MINI, input_tokens=1000, output_tokens=500) == 450_000
    assert cost_nanos(GPT_4O_MINI, input_tokens=1_000_000, output_tokens=1_000_000) == 750_000_000


def test_cached_input_tokens_are_billed_at_the_cached_price():
    cost = cost_nanos(GPT_4O_MINI, input_tokens=200, cached_input_tokens=800, output_tokens=0)
    # 200 x 150 + 800 x 75 nanos per token
    assert cost == 30_000 + 60_000


def test_a_fraction_of_a_nano_rounds_up_to_one():
    one_nano_per_million = Prices(input_nanos_per_million_tokens=1)
    assert cost_nanos(one_nano_per_million, input_tokens=1, output_tokens=0) == 1
    assert cost_nanos(one_nano_per_million, input_tokens=999_999, output_tokens=0) == 1
    assert cost_nanos(one_nano_per_million, input_tokens=1_000_000, output_tokens=0) == 1
    assert cost_nanos(one_nano_per_million, input_tokens=1_000_001, output_tokens=0) == 2


def test_zero_tokens_cost_nothing():
    assert cost_nanos(GPT_4O_MINI, input_tokens=0, output_tokens=0) == 0


def test_rounding_happens_once_after_summing_every_token_part():
    half_nano_each = Prices(
        input_nanos_per_million_tokens=500_000,
        cached_input_nanos_per_million_tokens=500_000,
        output_nanos_per_million_tokens=500_000,
    )
    # Rounded part by part this would be 1 + 1 + 1 = 3; summed first it is ceil(1.5) = 2.
    cost = cost_nanos(half_nano_each, input_tokens=1, cached_input_tokens=1, output_tokens=1)
    assert cost == 2
    assert cost_nanos(half_nano_each, input_tokens=1, output_tokens=1) == 1


def test_images_and_requests_add_whole_nanos_after_the_token_part():
    priced = Prices(
        input_nanos_per_million_tokens=1,
        nanos_per_image=40_000_000,  # $0.04
        nanos_per_request=7,
    )
    assert cost_nanos(priced, input_tokens=3, output_tokens=0, images=2) == 1 + 80_000_000 + 7


def test_huge_counts_stay_exact_integers():
    opus = Prices(
        input_nanos_per_million_tokens=15_000_000_000,
        output_nanos_per_million_tokens=75_000_000_000,
    )
    cost = cost_nanos(opus, input_tokens=10**12 + 1, output_tokens=3)
    # (10**12 + 1) x 15e9 + 3 x 75e9 = 15e21 + 15e9 + 225e9, over 1e6, rounded up
    assert cost == 15_000_000_000_000_000 + 15_000 + 225_000
    assert isinstance(cost, int)


@pytest.mark.parametrize("bad", [-1])
def test_negative_counts_are_refused(bad):
    with pytest.raises(ValueError):
        cost_nanos(GPT_4O_MINI, input_tokens=bad, output_tokens=0)
    with pytest.raises(ValueError):
        cost_nanos(GPT_4O_MINI, input_tokens=0, output_tokens=0, images=bad)


@pytest.mark.parametrize("bad", [1.0, "1", True, None])
def test_non_integer_counts_are_refused(bad):
    with pytest.raises(TypeError):
        cost_nanos(GPT_4O_MINI, input_tokens=bad, output_tokens=0)


def test_worst_case_prices_the_whole_prompt_as_uncached_and_the_full_output_limit():
    cost = worst_case_cost_nanos(GPT_4O_MINI, prompt_tokens=1000, max_output_tokens=500)
    assert cost == 450_000
    assert cost >= cost_nanos(
        GPT_4O_MINI, input_tokens=200, cached_input_tokens=800, output_tokens=500
    )


def test_worst_case_of_n_chat_choices_holds_the_prompt_once_and_each_choices_output():
    cost = worst_case_cost_nanos(GPT_4O_MINI, prompt_tokens=1000, max_output_tokens=500, choices=3)
    assert cost == (1000 * 150_000_000 + 3 * 500 * 600_000_000) // 1_000_000 == 1_050_000


def test_worst_case_without_a_limit_uses_the_models_maximum_output():
    cost = worst_case_cost_nanos(GPT_4O_MINI, prompt_tokens=10)
    assert cost == (10 * 150_000_000 + 16_384 * 600_000_000) // 1_000_000


def test_output_bound_never_exceeds_the_model_or_the_context_left():
    assert output_tokens_bound(GPT_4O_MINI, prompt_tokens=10, max_output_tokens=10**9) == 16_384
    assert output_tokens_bound(GPT_4O_MINI, prompt_tokens=10, max_output_tokens=100) == 100
    assert output_tokens_bound(GPT_4O_MINI, prompt_tokens=127_000) == 1000
    assert output_tokens_bound(GPT_4O_MINI, prompt_tokens=200_000) == 0


def test_worst_case_of_a_per_image_model_is_its_image_price_times_n():
    dall_e_3 = Prices(nanos_per_image=40_000_000, max_output_tokens=0)
    assert worst_case_cost_nanos(dall_e_3, prompt_tokens=12, images=3) == 120_000_000


def test_worst_case_of_a_token_priced_image_model_covers_n_largest_images():
    gpt_image_1 = Prices(
        input_nanos_per_million_tokens=5_000_000_000,
        output_nanos_per_million_tokens=40_000_000_000,
        max_output_tokens=6240,
        context_window=32_000,
    )
    cost = worst_case_cost_nanos(gpt_image_1, prompt_tokens=10, images=2)
    assert cost == (10 * 5_000_000_000 + 2 * 6240 * 40_000_000_000) // 1_000_000
    # a medium 1024x1024 image: 1056 output tokens = $0.04224
    assert cost_nanos(gpt_image_1, input_tokens=0, output_tokens=1056, images=1) == 42_240_000
