"""Public object ids (`cus_…`, `wal_…`) and random secrets; one place so every id looks alike."""

import hashlib
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def random_string(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def prefixed_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{random_string(length)}"


def token_hash(token: str) -> str:
    """Keys and tokens carry 190+ bits of randomness, so one SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


# Default callables for model fields (migrations need importable names).
def new_organization_id() -> str:
    return prefixed_id("org")


def new_project_id() -> str:
    return prefixed_id("proj")


def new_api_key_id() -> str:
    return prefixed_id("key")


def new_customer_id() -> str:
    return prefixed_id("cus")


def new_wallet_id() -> str:
    return prefixed_id("wal")


def new_hold_id() -> str:
    return prefixed_id("hold")


def new_ledger_transaction_id() -> str:
    return prefixed_id("txn")
