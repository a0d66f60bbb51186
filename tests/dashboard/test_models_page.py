"""The project's Models page (models and the deployments serving them, read-only) and the
routing settings: preference and provider allow-list."""

from __future__ import annotations

import html
import re

import pytest

from billing.models import Deployment
from billing.selectors import catalog_cache_clear
from dashboard.services import project_routing_update
from llmgateway.errors import InvalidRequest
from tests.dashboard.test_projects import SETTINGS
from tests.helpers.dashboard import live, project_url
from tests.helpers.providers import PROVIDER_ENVIRONMENT

pytestmark = pytest.mark.django_db

PRICE_COLUMNS = ("input", "cached input", "output", "per image", "per request")


@pytest.fixture(autouse=True)
def openai_and_azure_configured(monkeypatch):
    """OpenAI and Azure have keys (nothing else leaks in from the developer's environment)."""
    for name in PROVIDER_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-upstream")
    monkeypatch.setenv("AZURE_API_KEY", "az-key")
    monkeypatch.setenv("AZURE_BASE_URL", "http://127.0.0.1:9/v1")
    catalog_cache_clear()
    yield
    catalog_cache_clear()


@pytest.fixture
def azure_mini(db) -> Deployment:
    """A second deployment of openai/gpt-4o-mini, on Azure, at its own prices."""
    return Deployment.objects.create(
        model_id="openai/gpt-4o-mini",
        provider="azure",
        upstream_model="mini-eu",
        input_nanos_per_million_tokens=165_000_000,
        output_nanos_per_million_tokens=660_000_000,
        cached_input_nanos_per_million_tokens=82_500_000,
        nanos_per_request=1_500,
        priority=1,
        weight=3,
    )


def listed_models(page: str) -> list[str]:
    return re.findall(r'data-model="([^"]+)"', page)


def model_section(page: str, model_id: str) -> str:
    return page.split(f'data-model="{model_id}"', 1)[1].split("</section>", 1)[0]


def deployment_rows(page: str, model_id: str) -> dict[str, list[str]]:
    """provider → the text of each cell of its row, in the model's table."""
    rows = re.findall(
        r'<tr id="deployment-\d+" data-provider="([^"]+)">(.*?)</tr>',
        model_section(page, model_id),
        re.S,
    )
    return {
        provider: [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        for provider, cells in rows
    }


def test_a_model_is_listed_with_each_deployment_and_its_exact_prices(
    developer_client, project, azure_mini
):
    page = live(developer_client).get(project_url(project, "models/"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "openai/gpt-4o-mini" in listed_models(content)
    assert "Chat · context window 128,000 tokens" in model_section(content, "openai/gpt-4o-mini")
    # provider, upstream model, priority, weight, five prices (PRICE_COLUMNS), enabled
    assert deployment_rows(content, "openai/gpt-4o-mini") == {
        "openai": [
            "openai", "gpt-4o-mini", "0", "1",
            "$0.15", "$0.075", "$0.60", "$0.00", "$0.00", "yes",
        ],
        "azure": [
            "azure", "mini-eu", "1", "3",
            "$0.165", "$0.0825", "$0.66", "$0.00", "$0.0000015", "yes",
        ],
    }  # fmt: skip
    assert "this page is read-only" in content
    assert 'id="routing-preference">Spread by weight<' in content
    assert 'id="allowed-providers">every provider<' in content


def test_an_image_model_shows_its_price_per_image(developer_client, project):
    content = live(developer_client).get(project_url(project, "models/")).content.decode()
    assert deployment_rows(content, "openai/dall-e-3")["openai"][4:9] == [
        "$0.00", "$0.00", "$0.00", "$0.04", "$0.00",
    ]  # fmt: skip


def test_the_allow_list_hides_excluded_deployments_and_models_served_only_by_them(
    developer_client, project, azure_mini
):
    project.allowed_providers = ["azure"]
    project.save(update_fields=["allowed_providers"])
    content = live(developer_client).get(project_url(project, "models/")).content.decode()
    models = listed_models(content)
    assert "openai/gpt-4o" not in models  # its only deployment is OpenAI's
    assert list(deployment_rows(content, "openai/gpt-4o-mini")) == ["azure"]
    assert "test/echo" in models  # the local test models are never excluded
    assert 'id="allowed-providers">azure<' in content


def test_test_mode_lists_only_the_local_test_models(developer_client, project, azure_mini):
    content = developer_client.get(project_url(project, "models/")).content.decode()
    models = listed_models(content)
    assert models and all(model_id.startswith("test/") for model_id in models)
    assert "test/echo" in models
    assert "(test mode)" in content


def test_the_page_is_in_the_project_menu(developer_client, project):
    content = developer_client.get(project_url(project, "keys/")).content.decode()
    assert f'href="{project_url(project, "models/")}"' in content


def test_an_admin_sets_the_routing_preference_and_the_allow_list(
    admin_client_, project, azure_mini
):
    response = admin_client_.post(
        project_url(project, "settings/"),
        {**SETTINGS, "routing_preference": "price", "allowed_providers": " Azure, openai,AZURE ,"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.routing_preference == "price"
    assert project.allowed_providers == ["azure", "openai"]
    form = admin_client_.get(project_url(project, "settings/")).content.decode()
    assert 'name="allowed_providers" value="azure, openai"' in form
    assert '<option value="price" selected>' in form
    content = live(admin_client_).get(project_url(project, "models/")).content.decode()
    assert 'id="routing-preference">Lowest price first<' in content
    assert 'id="allowed-providers">azure, openai<' in content


def test_an_empty_allow_list_means_every_provider(admin_client_, project):
    project.allowed_providers = ["openai"]
    project.save(update_fields=["allowed_providers"])
    response = admin_client_.post(
        project_url(project, "settings/"), {**SETTINGS, "allowed_providers": "  "}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.allowed_providers == []


def test_a_developer_cannot_change_routing(developer_client, project, azure_mini):
    response = developer_client.post(
        project_url(project, "settings/"),
        {**SETTINGS, "routing_preference": "latency", "allowed_providers": "azure"},
    )
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.routing_preference == "weighted"
    assert project.allowed_providers == []


def test_an_unknown_provider_is_refused_and_nothing_is_saved(admin_client_, project):
    response = admin_client_.post(
        project_url(project, "settings/"),
        {**SETTINGS, "markup_percent": "30", "allowed_providers": "openai, opneai"},
    )
    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    errors = content.split('id="errors-allowed_providers"', 1)[1].split("</ul>", 1)[0]
    assert "Unknown provider(s): opneai." in errors
    project.refresh_from_db()
    assert project.allowed_providers == []
    assert str(project.markup_percent) == "20.00"


def test_an_unknown_routing_preference_is_refused(admin_client_, project):
    response = admin_client_.post(
        project_url(project, "settings/"), {**SETTINGS, "routing_preference": "random"}
    )
    assert response.status_code == 200
    assert 'id="errors-routing_preference"' in response.content.decode()
    project.refresh_from_db()
    assert project.routing_preference == "weighted"


def test_the_service_refuses_unknown_providers_and_preferences_itself(project):
    with pytest.raises(InvalidRequest, match="Unknown provider") as refused:
        project_routing_update(
            project=project, routing_preference="price", allowed_providers=["openai", "nobody"]
        )
    assert refused.value.param == "allowed_providers"
    with pytest.raises(InvalidRequest, match="Unknown routing preference"):
        project_routing_update(project=project, routing_preference="random", allowed_providers=[])
    project.refresh_from_db()
    assert (project.routing_preference, project.allowed_providers) == ("weighted", [])
