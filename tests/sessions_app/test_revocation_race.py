"""Revocation under load: every request that starts after the revoke commits is refused."""

import threading
import time

import pytest
from django.db import connections
from django.test import Client

from sessions_app import services as session_services
from sessions_app.models import EmbeddedSession

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_requests_starting_after_revoke_are_all_refused(api, mint_session, project):
    session = mint_session()
    token = session["sessionToken"]
    outcomes = []  # (started_at, status, code)
    lock = threading.Lock()
    stop = threading.Event()

    def browser():
        client = Client()
        try:
            while not stop.is_set():
                started = time.monotonic()
                response = client.get("/v1/wallet", headers={"Authorization": f"Bearer {token}"})
                code = response.json().get("error", {}).get("code")
                with lock:
                    outcomes.append((started, response.status_code, code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=browser) for _ in range(20)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    session_services.session_revoke(project=project, livemode=False, session_id=session["id"])
    revoked_at = time.monotonic()  # the revoke has committed (autocommit) by now
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    before = [o for o in outcomes if o[0] < revoked_at]
    after = [o for o in outcomes if o[0] > revoked_at]
    assert len(after) >= 20, "every client should have started requests after the revoke"
    assert {(status, code) for _, status, code in after} == {(401, "session_revoked")}
    assert any(status == 200 for _, status, _ in before)
    assert EmbeddedSession.objects.get(pk=session["id"]).revoked_at is not None
