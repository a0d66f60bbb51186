"""The process environment, read through django-environ: the one `Env` that settings and code share.

Settings read it once at start-up. A few values are read at call time, because their names are
only known then or because operators and tests change them without a restart: provider
credentials by provider name (`<PREFIX>_API_KEY`, `_BASE_URL`, `_API_STYLE`), the catalog cache
lifetime, the upstream read timeout, the local test model's stream delay and the standard proxy
variables. Read those with `env_number` / `env.str` from here, never from the os module.
"""

from __future__ import annotations

import environ

env = environ.Env()


def env_number(name: str, default: float, *, positive: bool = False) -> float:
    """A float from the environment; `default` when unset, malformed, or (if `positive`) ≤ 0."""
    try:
        value = env.float(name, default=default)
    except (ValueError, environ.ImproperlyConfigured):
        return default
    if positive and value <= 0:
        return default
    return value
