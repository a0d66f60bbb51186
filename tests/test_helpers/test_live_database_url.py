"""The children the live tests start (daphne, Celery, the production server) must reach the very
database pytest-django made: `database_url_from_settings` writes a URL that django-environ reads
back into the same connection settings, for TCP, Unix-socket and host-less URLs alike."""

from __future__ import annotations

import environ
import pytest

from tests.helpers.live import database_url_from_settings

KEYS = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")


def _connection_settings(parsed: dict) -> dict:
    """What decides where psycopg connects: the fields, with a `?host=` option as the host."""
    options = dict(parsed.get("OPTIONS") or {})
    settings = {key: str(parsed.get(key) or "") for key in KEYS}
    if "host" in options and not settings["HOST"]:
        settings["HOST"] = options.pop("host")
    return {**settings, "OPTIONS": options}


@pytest.mark.parametrize(
    "configured",
    [
        "postgres:///test_llmgateway",  # host-less: libpq's default socket
        "postgres://root@/test_llmgateway",
        "postgres:///test_llmgateway?host=/var/run/postgresql",  # a socket directory
        "postgres://postgres@127.0.0.1:5432/test_llmgateway",
        "postgres://app:p%40ss%2Fword@db.internal:6432/test_llmgateway?sslmode=require",
    ],
)
def test_the_url_reads_back_as_the_same_connection(configured):
    parsed = environ.Env.db_url_config(configured)

    url = database_url_from_settings(parsed)

    assert _connection_settings(environ.Env.db_url_config(url)) == _connection_settings(parsed)


def test_options_set_in_code_are_left_to_the_child_settings():
    parsed = environ.Env.db_url_config("postgres://u@h/db")
    parsed["OPTIONS"] = {"pool": {"min_size": 2}, "server_side_binding": True}

    assert database_url_from_settings(parsed) == "postgres://u@h/db"


def test_sqlite_is_an_absolute_path(tmp_path):
    url = database_url_from_settings(
        {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "t.sqlite3")}
    )

    assert url == f"sqlite:///{tmp_path / 't.sqlite3'}"
