"""Public object ids (`cus_…`, `wal_…`) and random secrets; one place so every id looks alike."""

import hashlib
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
# Bytes below this map uniformly onto the 62 symbols (248 = 4 * 62); the rest are redrawn.
_UNBIASED_BELOW = 256 - 256 % len(_ALPHABET)


def random_string(length: int) -> str:
    """`length` symbols of [A-Za-z0-9], uniform and from the OS's CSPRNG.

    One `os.urandom` read per id (rejection sampling keeps it unbiased), not one per symbol as
    with `secrets.choice`: ids are made on every billed request.
    """
    symbols: list[str] = []
    while len(symbols) < length:
        for byte in secrets.token_bytes(length - len(symbols) + 8):
            if byte < _UNBIASED_BELOW:
                symbols.append(_ALPHABET[byte % len(_ALPHABET)])
                if len(symbols) == length:
                    break
    return "".join(symbols)


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
