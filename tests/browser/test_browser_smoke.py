"""The browser harness: Chromium loads a page of the live platform, static files included."""

import pytest

from tests.helpers.browser import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_chromium_renders_the_admin_login_with_its_stylesheet(live_server_url, browser_page):
    response = browser_page.goto(f"{live_server_url}/admin/login/")
    assert response is not None and response.status == 200
    # The stylesheet is served by the platform itself (/static/ through the ASGI app).
    applied = browser_page.evaluate(
        "getComputedStyle(document.querySelector('#header')).backgroundColor"
    )
    assert applied not in ("", "rgba(0, 0, 0, 0)")
    assert screenshot(browser_page, "admin-login").stat().st_size > 0
