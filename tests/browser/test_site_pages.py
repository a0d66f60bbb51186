"""The first minutes in Chromium against a live daphne (issue 20): `make run`'s printed login
reaches the demo project's customers, `/` is a page that says where to go, and an unknown
dashboard page is an HTML 404 with a way back, not JSON."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_printed_login_the_home_page_and_a_404_in_a_browser(live_server_url, browser_page):
    page = browser_page
    printed = io.StringIO()
    call_command("seed_demo", stdout=printed)
    printed = printed.getvalue()
    email = re.search(r"^  email: (\S+)$", printed, re.M).group(1)
    password = re.search(r"^  password: (\S+)$", printed, re.M).group(1)
    dashboard_path = re.search(r"^Dashboard: http://[^/]+(/\S*)$", printed, re.M).group(1)

    # The home page names the way in and links it.
    home = page.goto(f"{live_server_url}/")
    assert home.status == 200
    expect(page.locator("h1")).to_have_text("LLM Gateway with embedded billing")
    for name in ("Dashboard", "API reference", "Operator console"):
        expect(page.get_by_role("link", name=name)).to_be_visible()

    # The printed login, then the printed dashboard address: the demo customers are there.
    page.get_by_role("link", name="Dashboard").click()
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#mode-banner")
    page.goto(f"{live_server_url}{dashboard_path}")
    page.click("nav.side >> text=Customers")
    expect(page.locator("#customer-rows")).to_contain_text("demo_user")

    # A page that does not exist is an HTML page with a way back.
    missing = page.goto(f"{live_server_url}/dashboard/o/org_nope/")
    assert missing.status == 404
    assert missing.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("link", name="Home")).to_be_visible()
    page.get_by_role("link", name="Home").click()
    expect(page.locator("h1")).to_have_text("LLM Gateway with embedded billing")
