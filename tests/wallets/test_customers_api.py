"""GET/POST /v1/customers and GET/PATCH /v1/customers/{id}."""

from sessions_app.models import EmbeddedSession
from tests.helpers.api import assert_error


def test_create_and_read_by_id_and_external_id(api):
    created = api.post(
        "/v1/customers", {"externalId": "u-1", "email": "u1@x.example", "metadata": {"plan": "pro"}}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["object"] == "customer" and body["externalId"] == "u-1"
    assert body["walletId"].startswith("wal_") and body["status"] == "active"
    assert api.get(f"/v1/customers/{body['id']}").json() == body
    assert api.get("/v1/customers/ext:u-1").json() == body


def test_creating_the_same_external_id_twice_is_a_conflict(api):
    assert api.post("/v1/customers", {"externalId": "dup"}).status_code == 201
    assert_error(api.post("/v1/customers", {"externalId": "dup"}), 409, "resource_already_exists")


def test_create_validates(api):
    assert_error(api.post("/v1/customers", {}), 400, "invalid_request", param="externalId")
    assert_error(
        api.post("/v1/customers", {"externalId": "x", "email": "nope"}),
        400,
        "invalid_request",
        param="email",
    )


def test_list_pages_with_a_cursor_newest_first(api):
    ids = [api.post("/v1/customers", {"externalId": f"c{i}"}).json()["id"] for i in range(7)]
    seen = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = api.get("/v1/customers", params).json()
        pages += 1
        seen += [row["id"] for row in page["data"]]
        assert page["hasMore"] == (page["nextCursor"] is not None)
        if not page["hasMore"]:
            break
        cursor = page["nextCursor"]
    assert pages == 3
    assert seen == list(reversed(ids))


def test_list_rejects_bad_limit_and_cursor(api):
    for limit in (0, 101, "x"):
        assert_error(api.get("/v1/customers", {"limit": limit}), 400, "invalid_request", "limit")
    assert_error(api.get("/v1/customers", {"cursor": "garbage!"}), 400, "invalid_request", "cursor")


def test_blocking_revokes_sessions_and_unblocking_allows_new_ones(api, mint_session):
    session = mint_session("blockme")
    browser = api.as_key(session["sessionToken"])

    blocked = api.patch(f"/v1/customers/{session['customerId']}", {"status": "blocked"})

    assert blocked.status_code == 200 and blocked.json()["status"] == "blocked"
    assert EmbeddedSession.objects.get(pk=session["id"]).revoked_at is not None
    assert_error(browser.get("/v1/wallet"), 401, "session_revoked")
    assert_error(api.post("/v1/sessions", {"customer": "blockme"}), 403, "customer_blocked")
    api.patch("/v1/customers/ext:blockme", {"status": "active"})
    assert api.post("/v1/sessions", {"customer": "blockme"}).status_code == 201


def test_patch_validates_status(api):
    customer = api.post("/v1/customers", {"externalId": "p"}).json()
    assert_error(
        api.patch(f"/v1/customers/{customer['id']}", {"status": "deleted"}),
        400,
        "invalid_request",
        param="status",
    )


def test_unknown_customer_is_404(api):
    assert_error(api.get("/v1/customers/cus_nope"), 404, "not_found")
    assert_error(api.patch("/v1/customers/ext:nope", {"name": "x"}), 404, "not_found")
