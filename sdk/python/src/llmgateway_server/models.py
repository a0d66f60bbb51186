"""Typed results: frozen dataclasses built from the API's camelCase JSON.

Money is `decimal.Decimal` (the API sends USD decimal strings, never floats), timestamps are
timezone-aware `datetime`s, lists are tuples. Each object keeps the JSON it was built from in
`.raw`, so a field this SDK version doesn't know yet is still reachable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any


def usd(value: Any) -> Decimal:
    """A USD amount from the API (a decimal string) as a Decimal."""
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise ValueError(f"not a USD amount: {value!r}") from error


def optional_usd(value: Any) -> Decimal | None:
    return None if value is None else usd(value)


def timestamp(value: Any) -> datetime:
    """An ISO 8601 string (`2026-01-02T03:04:05.678Z`) or unix seconds as an aware datetime."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    text = str(value)
    if text.endswith(("Z", "z")):  # fromisoformat reads "Z" only from Python 3.11 on
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def optional_timestamp(value: Any) -> datetime | None:
    return None if value in (None, "") else timestamp(value)


@dataclass(frozen=True, kw_only=True)
class ApiObject:
    """Base of every result: `raw` is the JSON object as the API sent it."""

    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)


@dataclass(frozen=True, kw_only=True)
class SessionScope(ApiObject):
    models: tuple[str, ...]
    max_spend: Decimal | None
    spent: Decimal

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionScope:
        return cls(
            models=tuple(data.get("models") or ()),
            max_spend=optional_usd(data.get("maxSpend")),
            spent=usd(data.get("spent", "0")),
            raw=data,
        )


@dataclass(frozen=True, kw_only=True)
class Session(ApiObject):
    """A browser session: hand `to_dict()` (it holds no secret) to the end user's browser; the
    client there needs the token and may use `expiresAt` and `allowedOrigins`."""

    id: str
    session_token: str
    wallet_id: str
    customer_id: str
    expires_at: datetime
    livemode: bool
    scope: SessionScope
    # The project's allowed page origins: the browser client names a refused one with them.
    allowed_origins: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Session:
        return cls(
            id=data["id"],
            session_token=data["sessionToken"],
            wallet_id=data["walletId"],
            customer_id=data["customerId"],
            expires_at=timestamp(data["expiresAt"]),
            livemode=bool(data["livemode"]),
            scope=SessionScope.from_dict(data.get("scope") or {}),
            allowed_origins=tuple(data.get("allowedOrigins") or ()),
            raw=data,
        )


@dataclass(frozen=True, kw_only=True)
class RevokedSession(ApiObject):
    id: str
    status: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RevokedSession:
        return cls(id=data["id"], status=data["status"], raw=data)


@dataclass(frozen=True, kw_only=True)
class Customer(ApiObject):
    id: str
    external_id: str
    email: str
    name: str
    status: str
    livemode: bool
    wallet_id: str
    metadata: Mapping[str, Any] = field(hash=False)
    created_at: datetime

    @property
    def blocked(self) -> bool:
        return self.status == "blocked"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Customer:
        return cls(
            id=data["id"],
            external_id=data["externalId"],
            email=data.get("email") or "",
            name=data.get("name") or "",
            status=data["status"],
            livemode=bool(data["livemode"]),
            wallet_id=data["walletId"],
            metadata=dict(data.get("metadata") or {}),
            created_at=timestamp(data["createdAt"]),
            raw=data,
        )


@dataclass(frozen=True, kw_only=True)
class Wallet(ApiObject):
    id: str
    customer_id: str
    balance: Decimal
    held: Decimal
    available: Decimal
    currency: str
    status: str
    livemode: bool

    @property
    def frozen(self) -> bool:
        return self.status == "frozen"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Wallet:
        return cls(
            id=data["id"],
            customer_id=data["customerId"],
            balance=usd(data["balance"]),
            held=usd(data["held"]),
            available=usd(data["available"]),
            currency=data.get("currency", "usd"),
            status=data["status"],
            livemode=bool(data["livemode"]),
            raw=data,
        )


@dataclass(frozen=True, kw_only=True)
class WalletCredit(ApiObject):
    """A grant from the organization's credits; `replayed` is True when an idempotency key
    matched an earlier grant (nothing new was credited)."""

    id: str
    wallet_id: str
    amount: Decimal
    reason: str
    balance: Decimal
    created_at: datetime
    replayed: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, replayed: bool = False) -> WalletCredit:
        return cls(
            id=data["id"],
            wallet_id=data["walletId"],
            amount=usd(data["amount"]),
            reason=data.get("reason") or "",
            balance=usd(data["balance"]),
            created_at=timestamp(data["createdAt"]),
            replayed=replayed,
            raw=data,
        )


@dataclass(frozen=True, kw_only=True)
class LedgerEntry(ApiObject):
    """One line of a wallet's ledger: positive amounts credit the wallet, negative debit it."""

    id: str
    transaction_id: str
    type: str
    amount: Decimal
    description: str
    created_at: datetime

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LedgerEntry:
        return cls(
            id=data["id"],
            transaction_id=data["transactionId"],
            type=data["type"],
            amount=usd(data["amount"]),
            description=data.get("description") or "",
            created_at=timestamp(data["createdAt"]),
            raw=data,
        )


@dataclass(frozen=True, kw_only=True)
class ApiKey(ApiObject):
    """A secret key's metadata (never the key itself), its permissions included."""

    id: str
    name: str
    display_prefix: str
    livemode: bool
    project_id: str
    permissions: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApiKey:
        last_used = data.get("lastUsedAt")
        return cls(
            id=data["id"],
            name=data.get("name") or "",
            display_prefix=data["displayPrefix"],
            livemode=bool(data["livemode"]),
            project_id=data["projectId"],
            permissions=tuple(data.get("permissions") or ()),
            created_at=timestamp(data["createdAt"]),
            last_used_at=timestamp(last_used) if last_used else None,
            raw=data,
        )


@dataclass(frozen=True, kw_only=True)
class Balance(ApiObject):
    """The organization's credits and margin in the key's mode."""

    credits: Decimal
    margin_available: Decimal
    margin_reserved: Decimal
    margin_paid: Decimal
    livemode: bool | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Balance:
        return cls(
            credits=usd(data["credits"]),
            margin_available=usd(data["marginAvailable"]),
            margin_reserved=usd(data["marginReserved"]),
            margin_paid=usd(data["marginPaid"]),
            livemode=data.get("livemode"),
            raw=data,
        )


@dataclass(frozen=True, kw_only=True)
class Payout(ApiObject):
    """A margin payout to the organization's Stripe Connect account: `pending`, then `paid` or
    `failed` (the `payout.paid` / `payout.failed` webhooks say when). `replayed` is True when an
    idempotency key matched an earlier request (no new payout was made)."""

    id: str
    amount: Decimal
    currency: str
    status: str
    automatic: bool
    transfer_id: str | None
    failure_code: str | None
    failure_message: str | None
    created_at: datetime
    paid_at: datetime | None
    livemode: bool
    replayed: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, replayed: bool = False) -> Payout:
        return cls(
            id=data["id"],
            amount=usd(data["amount"]),
            currency=data.get("currency", "usd"),
            status=data["status"],
            automatic=bool(data.get("automatic")),
            transfer_id=data.get("transferId"),
            failure_code=data.get("failureCode"),
            failure_message=data.get("failureMessage"),
            created_at=timestamp(data["createdAt"]),
            paid_at=optional_timestamp(data.get("paidAt")),
            livemode=bool(data["livemode"]),
            replayed=replayed,
            raw=data,
        )


@dataclass(frozen=True, kw_only=True)
class ConnectOnboarding(ApiObject):
    """Send the developer to `url` (Stripe Connect Express onboarding)."""

    account_id: str
    url: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConnectOnboarding:
        return cls(account_id=data["accountId"], url=data["url"], raw=data)


@dataclass(frozen=True, kw_only=True)
class ConnectStatus(ApiObject):
    """`onboarded`: the developer finished Stripe's form; `payouts_enabled`: Stripe lets the
    account receive payouts."""

    account_id: str | None
    onboarded: bool
    payouts_enabled: bool
    livemode: bool | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConnectStatus:
        return cls(
            account_id=data.get("accountId"),
            onboarded=bool(data.get("onboarded")),
            payouts_enabled=bool(data.get("payoutsEnabled")),
            livemode=data.get("livemode"),
            raw=data,
        )


@dataclass(frozen=True, kw_only=True)
class WebhookEndpoint(ApiObject):
    """`secret` is set only on the object `webhook_endpoints.create` returns: store it then."""

    id: str
    url: str
    events: tuple[str, ...]
    livemode: bool
    status: str
    created_at: datetime
    secret: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WebhookEndpoint:
        return cls(
            id=data["id"],
            url=data["url"],
            events=tuple(data.get("events") or ()),
            livemode=bool(data["livemode"]),
            status=data["status"],
            created_at=timestamp(data["createdAt"]),
            secret=data.get("secret"),
            raw=data,
        )


@dataclass(frozen=True, kw_only=True)
class DeletedObject(ApiObject):
    id: str
    object: str
    deleted: bool

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeletedObject:
        return cls(id=data["id"], object=data["object"], deleted=bool(data["deleted"]), raw=data)


@dataclass(frozen=True, kw_only=True)
class Event(ApiObject):
    """A developer webhook event. `data` is the event's payload as sent (camelCase keys, USD
    amounts as strings); de-duplicate deliveries on `id`."""

    id: str
    type: str
    created: datetime
    livemode: bool
    data: Mapping[str, Any] = field(hash=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        return cls(
            id=data["id"],
            type=data["type"],
            created=timestamp(data["created"]),
            livemode=bool(data.get("livemode")),
            data=dict(data.get("data") or {}),
            raw=data,
        )
