"""The JSON API from the test client: a bearer-key client and the one error-shape assertion."""

from __future__ import annotations

import json


class ApiClient:
    """Django's test client speaking JSON with a bearer key."""

    def __init__(self, client, key: str | None = None, origin: str | None = None):
        self.client = client
        self.key = key
        self.origin = origin

    def _headers(self, extra: dict | None) -> dict:
        headers = {}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        if self.origin:
            headers["Origin"] = self.origin
        headers.update(extra or {})
        return headers

    def get(self, path, params=None, headers=None):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def post(self, path, body=None, headers=None):
        return self.client.post(
            path,
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def patch(self, path, body=None, headers=None):
        return self.client.patch(
            path,
            json.dumps(body or {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def delete(self, path, headers=None):
        return self.client.delete(path, headers=self._headers(headers))

    def options(self, path, headers=None):
        return self.client.options(path, headers=self._headers(headers))

    def as_key(self, key: str | None, origin: str | None = None) -> ApiClient:
        return ApiClient(self.client, key, origin)


def assert_error(response, status: int, code: str, param=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"type", "code", "message", "param"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if param is not None:
        assert body["error"]["param"] == param
    return body["error"]
