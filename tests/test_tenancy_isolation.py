"""A key of project A gets 404 for every object of project B; test and live never mix."""

import pytest

from llmgateway.services import api_key_create
from tests.conftest import ApiClient, assert_error
from tests.factories import make_organization, make_project


@pytest.fixture
def other_project_objects(client):
    """A customer, wallet and session that belong to another organization's project."""
    other = make_project(make_organization("Other Org"), name="Other")
    other_api = ApiClient(client, api_key_create(project=other, livemode=False)[1])
    session = other_api.post("/v1/sessions", {"customer": "theirs"}).json()
    return session


@pytest.fixture
def same_project_live_objects(api, live_secret_key):
    return api.as_key(live_secret_key).post("/v1/sessions", {"customer": "live_user"}).json()


def _paths(objects):
    return [
        ("get", f"/v1/customers/{objects['customerId']}"),
        ("get", "/v1/customers/ext:" + ("theirs" if "theirs" in objects["_ext"] else "live_user")),
        ("patch", f"/v1/customers/{objects['customerId']}"),
        ("get", f"/v1/wallets/{objects['walletId']}"),
        ("post", f"/v1/wallets/{objects['walletId']}/credits"),
        ("get", f"/v1/wallets/{objects['walletId']}/ledger"),
        ("delete", f"/v1/sessions/{objects['id']}"),
    ]


def _assert_all_404(api, objects):
    for method, path in _paths(objects):
        call = getattr(api, method)
        response = call(path, {"amount": "1"}) if method in ("post", "patch") else call(path)
        assert_error(response, 404, "not_found")


def test_other_projects_objects_are_404(api, other_project_objects):
    _assert_all_404(api, {**other_project_objects, "_ext": "theirs"})


def test_live_objects_are_404_to_a_test_key(api, same_project_live_objects):
    _assert_all_404(api, {**same_project_live_objects, "_ext": "live_user"})


def test_test_objects_are_404_to_a_live_key(api, live_secret_key, mint_session):
    test_objects = mint_session("live_user")
    _assert_all_404(api.as_key(live_secret_key), {**test_objects, "_ext": "live_user"})


def test_lists_only_show_own_project_and_mode(
    api, other_project_objects, same_project_live_objects
):
    api.post("/v1/customers", {"externalId": "mine"})
    rows = api.get("/v1/customers").json()["data"]
    assert [row["externalId"] for row in rows] == ["mine"]


def test_live_key_mints_live_sessions(api, live_secret_key):
    body = api.as_key(live_secret_key).post("/v1/sessions", {"customer": "u"}).json()
    assert body["sessionToken"].startswith("es_live_") and body["livemode"] is True
