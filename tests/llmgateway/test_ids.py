"""Ids and secrets: the right shape, every symbol equally likely, no repeats."""

from collections import Counter

from llmgateway import ids


def test_random_string_has_the_length_and_alphabet_asked_for():
    for length in (1, 7, 24, 43, 200):
        value = ids.random_string(length)
        assert len(value) == length
        assert set(value) <= set(ids._ALPHABET)


def test_every_symbol_is_about_equally_likely():
    # 124,000 symbols: 2,000 expected per symbol, standard deviation ~44. A byte-modulo bias
    # (256 % 62 = 8 symbols drawn 5/256 instead of 4/256) would put those 8 near 2,500.
    counts = Counter("".join(ids.random_string(62) for _ in range(2_000)))
    assert set(counts) == set(ids._ALPHABET)
    assert max(counts.values()) < 2_250, counts.most_common(3)
    assert min(counts.values()) > 1_750, counts.most_common()[-3:]


def test_prefixed_ids_do_not_repeat():
    made = {ids.new_hold_id() for _ in range(10_000)}
    assert len(made) == 10_000
    assert all(value.startswith("hold_") and len(value) == 29 for value in made)
