"""Small things of a newcomer's first hour in the dashboard: a markup above 1000% asks for a
second yes (on the settings and the new-project pages) and the help text speaks in the typed
markup; every page has a skip link and links
the API docs."""

from __future__ import annotations

import pytest

from tests.dashboard.test_projects import SETTINGS
from tests.helpers.dashboard import org_url, project_url

pytestmark = pytest.mark.django_db


def test_a_markup_above_1000_percent_needs_a_second_yes(admin_client_, project):
    refused = admin_client_.post(
        project_url(project, "settings/"), {**SETTINGS, "markup_percent": "2500"}
    )

    html = refused.content.decode()
    assert "A markup of 2500% is above 1000%: $10 at 2500% credits the wallet $0.384615384" in html
    assert 'type="checkbox" name="confirm_high_markup"' in html
    project.refresh_from_db()
    assert str(project.markup_percent) == "20.00"

    confirmed = admin_client_.post(
        project_url(project, "settings/"),
        {**SETTINGS, "markup_percent": "2500", "confirm_high_markup": "on"},
    )
    assert confirmed.status_code == 302
    project.refresh_from_db()
    assert str(project.markup_percent) == "2500.00"


def test_a_markup_of_1000_percent_saves_without_asking(admin_client_, project):
    response = admin_client_.post(
        project_url(project, "settings/"), {**SETTINGS, "markup_percent": "1000"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert str(project.markup_percent) == "1000.00"


def test_the_markup_help_text_uses_the_saved_and_the_typed_value(admin_client_, project):
    admin_client_.post(project_url(project, "settings/"), {**SETTINGS, "markup_percent": "35"})
    shown = admin_client_.get(project_url(project, "settings/")).content.decode()
    assert "$10 at 35% credits the wallet $7.407407407 and earns you $2.592592593." in shown

    typed = admin_client_.post(
        project_url(project, "settings/"),
        {**SETTINGS, "markup_percent": "50", "allowed_origins": "not an origin"},
    ).content.decode()
    assert "$10 at 50% credits the wallet $6.666666666 and earns you $3.333333334." in typed


def test_a_new_project_above_1000_percent_needs_a_second_yes(admin_client_, organization):
    new_project = org_url(organization, "projects/new/")
    shown = admin_client_.get(new_project).content.decode()
    assert "$10 at 0% credits the wallet $10.00 and earns you $0.00." in shown

    refused = admin_client_.post(new_project, {"name": "Typo", "markup_percent": "1500"})
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "A markup of 1500% is above 1000%: $10 at 1500% credits the wallet $0.625" in html
    assert 'type="checkbox" name="confirm_high_markup"' in html
    assert not organization.projects.filter(name="Typo").exists()

    confirmed = admin_client_.post(
        new_project, {"name": "Typo", "markup_percent": "1500", "confirm_high_markup": "on"}
    )
    assert confirmed.status_code == 302
    assert str(organization.projects.get(name="Typo").markup_percent) == "1500.00"


@pytest.mark.parametrize("suffix", ["", "members/", "payouts/"])
def test_every_page_has_a_skip_link_and_the_api_docs(owner_client, organization, suffix):
    html = owner_client.get(org_url(organization, suffix)).content.decode()
    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    assert '<main id="main" tabindex="-1">' in html
    assert '<a href="/v1/docs" id="api-docs-link">API docs</a>' in html
