"""llmgateway.loop_local: one value per running event loop, closed when its loop shuts down."""

from __future__ import annotations

import asyncio

import pytest

from llmgateway.loop_local import LoopLocal


def test_a_loop_keeps_its_value_and_another_loop_gets_its_own():
    local = LoopLocal(object)

    async def twice():
        return local.get(), local.get()

    first, again = asyncio.run(twice())
    other, _ = asyncio.run(twice())
    assert first is again
    assert other is not first


def test_a_value_with_a_close_is_closed_when_its_loop_shuts_down():
    closed = []

    async def close(value):
        closed.append(value)

    local = LoopLocal(list, close=close)

    async def use():
        return local.get()

    value = asyncio.run(use())
    assert closed == [value]
    assert not local.values


def test_pop_hands_the_value_over_unclosed_and_the_next_get_makes_a_new_one():
    closed = []

    async def close(value):
        closed.append(value)

    local = LoopLocal(list, close=close)

    async def use():
        first = local.get()
        assert local.pop() is first
        return first, local.get()

    first, second = asyncio.run(use())
    assert second is not first
    assert closed == [second]


def test_indexing_by_loop_reads_without_making():
    local = LoopLocal(object)

    async def use():
        loop = asyncio.get_running_loop()
        with pytest.raises(KeyError):
            local[loop]
        made = local.get()
        return local[loop] is made

    assert asyncio.run(use())
