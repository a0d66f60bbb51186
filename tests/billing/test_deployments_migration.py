"""billing 0005: every catalog row's provider, model name and prices become its one deployment,
to the nano, and back again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
BEFORE = ("billing", "0004_topup_reversal_before_credit_and_from_reserved")
AFTER = ("billing", "0005_deployments")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


def test_each_model_becomes_one_deployment_with_its_exact_prices_and_back():
    old = _migrate(BEFORE)
    Model = old.get_model("billing", "CatalogModel")
    Model.objects.filter(pk="openai/gpt-4o-mini").update(
        output_nanos_per_million_tokens=612_345_678
    )
    Model.objects.create(
        id="acme/custom", provider="acme", upstream_model="custom-v2", kind="chat",
        input_nanos_per_million_tokens=7, cached_input_nanos_per_million_tokens=3,
        output_nanos_per_million_tokens=11, nanos_per_image=5, nanos_per_request=13,
    )  # fmt: skip
    before = {
        row["id"]: row
        for row in Model.objects.values(
            "id", "provider", "upstream_model", "input_nanos_per_million_tokens",
            "output_nanos_per_million_tokens", "cached_input_nanos_per_million_tokens",
            "nanos_per_image", "nanos_per_request",
        )
    }  # fmt: skip

    new = _migrate(AFTER)
    Deployment = new.get_model("billing", "Deployment")
    after = {
        row["model_id"]: row
        for row in Deployment.objects.values(
            "model_id", "provider", "upstream_model", "input_nanos_per_million_tokens",
            "output_nanos_per_million_tokens", "cached_input_nanos_per_million_tokens",
            "nanos_per_image", "nanos_per_request", "priority", "weight", "enabled",
        )
    }  # fmt: skip
    assert Deployment.objects.count() == len(before)
    for model_id, row in before.items():
        moved = after[model_id]
        assert (moved.pop("priority"), moved.pop("weight"), moved.pop("enabled")) == (0, 1, True)
        assert {"id": moved.pop("model_id"), **moved} == row
    assert after["acme/custom"]["nanos_per_request"] == 13
    assert after["openai/gpt-4o-mini"]["output_nanos_per_million_tokens"] == 612_345_678

    back = _migrate(BEFORE)  # one provider per model again: its first deployment
    reverted = back.get_model("billing", "CatalogModel").objects.get(pk="acme/custom")
    assert (reverted.provider, reverted.upstream_model, reverted.nanos_per_request) == (
        "acme",
        "custom-v2",
        13,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
