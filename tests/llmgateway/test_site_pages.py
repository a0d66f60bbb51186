"""Browser routes answer HTML (a home page, error pages); API routes keep the JSON error shape."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_home_page_says_what_this_is_and_links_everything(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "embedded billing" in page
    for link in ("/dashboard/", "/v1/docs", "/admin/", "make example"):
        assert link in page


@pytest.mark.parametrize("path", ["/nowhere", "/dashboard/no-such-page/"])
def test_an_unknown_browser_page_is_an_html_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Page not found" in response.content.decode()


def test_another_organizations_dashboard_page_is_an_html_404(client, django_user_model):
    user = django_user_model.objects.create_user(username="x@example.com", email="x@example.com")
    client.force_login(user)
    response = client.get("/dashboard/o/org_not_mine/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_an_unknown_api_path_keeps_the_json_error_shape(client):
    response = client.get("/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
