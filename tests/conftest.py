"""Shared fixtures. Live-process fixtures (Celery worker, daphne, fakes) are in
tests/helpers/live.py; plain helpers in tests/helpers/."""

from __future__ import annotations

import pytest
from django.conf import settings

from sessions_app.services import session_mint
from tests.helpers import factories
from tests.helpers.api import ApiClient
from tests.helpers.money import USD
from wallets import services as wallet_services

pytest_plugins = ["tests.helpers.live"]


def pytest_collection_modifyitems(config, items):
    if not settings.DATABASE_IS_SQLITE:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _forget_system_accounts():
    from llmgateway.origins import known_origins_forget
    from wallets.services.accounts import system_account_cache_clear

    # Rate-limit windows are keyed by random key/session ids, so only these need forgetting.
    system_account_cache_clear()
    known_origins_forget()
    yield
    system_account_cache_clear()
    known_origins_forget()


@pytest.fixture(autouse=True)
def _fresh_auth_throttles(settings):
    """Log-in, reset and sign-up counters of this test's own (dashboard/throttle.py): they are
    keyed by email and client address, which tests share (and Redis keeps between runs)."""
    import uuid

    settings.AUTH_THROTTLE_NAMESPACE = uuid.uuid4().hex


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A channel layer of the test's own. In production a process has one event loop; here each
    test runs its own, and channels_redis keeps receive bookkeeping (a lock, a receiver count)
    that a socket left receiving when an earlier test's loop closed would carry into the next
    test ("Lock … is bound to a different event loop")."""
    from channels.layers import channel_layers

    channel_layers.backends.pop("default", None)
    yield
    channel_layers.backends.pop("default", None)


@pytest.fixture(autouse=True)
def _celery_eager_unless_a_worker_runs(request):
    """With REDIS_URL set, tasks would go to a broker nobody reads unless the test starts a real
    worker (`celery_worker_process` turns eager off for its own duration)."""
    from llmgateway import celery_app

    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _routing_health_fresh():
    """Each test starts with no deployment cooling down in this process (proxy/routing/)."""
    from proxy.routing import board_reset

    board_reset()
    yield


@pytest.fixture(autouse=True)
def _model_catalog(request):
    """The catalog is seeded by a data migration, which a transactional test's flush wipes:
    put it back for every test that uses the database."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db"} & set(request.fixturenames):
        yield
        return
    from billing.catalog_defaults import catalog_defaults_install
    from billing.models import CatalogModel
    from billing.selectors import catalog_cache_clear

    request.getfixturevalue("db")
    if not CatalogModel.objects.exists():
        catalog_defaults_install()
    from wallets.services.accounts import system_accounts_ensure

    system_accounts_ensure()  # made by a migration, wiped by a transactional test's flush
    catalog_cache_clear()
    yield
    catalog_cache_clear()


@pytest.fixture
def organization(db):
    return factories.make_organization()


@pytest.fixture
def project(organization):
    return factories.make_project(organization)


@pytest.fixture
def wallet(project):
    return factories.make_wallet(project)


@pytest.fixture
def funded_session(project):
    """Mint a session on a wallet funded with `balance_nanos`; returns (session, token)."""

    def make(*, balance_nanos=USD, external_id="user_1", livemode=False, **scope):
        session, token = session_mint(
            project=project, livemode=livemode, external_id=external_id, **scope
        )
        if balance_nanos:
            wallet_services.wallet_credit(wallet_id=session.wallet_id, amount_nanos=balance_nanos)
        return session, token

    return make


@pytest.fixture
def secret_key(project) -> str:
    from llmgateway.services import api_key_create

    return api_key_create(project=project, livemode=False, name="tests")[1]


@pytest.fixture
def live_secret_key(project) -> str:
    from llmgateway.services import api_key_create

    return api_key_create(project=project, livemode=True, name="tests live")[1]


@pytest.fixture
def api(client, secret_key) -> ApiClient:
    return ApiClient(client, secret_key)


@pytest.fixture
def mint_session(api):
    """Mint a session through the API; returns its JSON."""

    def mint(external_id="user_1", **body):
        response = api.post("/v1/sessions", {"customer": external_id, **body})
        assert response.status_code == 201, response.content
        return response.json()

    return mint
