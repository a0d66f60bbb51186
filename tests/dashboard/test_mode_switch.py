"""The test/live switch always lands on a page that answers GET."""

import re


def test_switching_mode_on_a_confirmation_page_returns_to_a_page_that_answers_get(
    owner_client, project
):
    # A payout request's confirmation step is a page rendered in answer to a POST.
    payouts = f"/dashboard/o/{project.organization_id}/payouts/"
    confirmation = owner_client.post(payouts + "request/", {"amount": "1.00"})
    assert confirmation.status_code in (200, 400)
    next_value = re.search(
        r'id="mode-form".*?name="next" value="([^"]*)"', confirmation.content.decode(), re.S
    ).group(1)

    switched = owner_client.post("/dashboard/mode/", {"mode": "live", "next": next_value})

    assert owner_client.get(switched["Location"]).status_code == 200
