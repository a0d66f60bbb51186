"""`AsyncLLMGateway` against a live daphne: the main flows, as the sync client does them."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest
from llmgateway_server import AsyncLLMGateway, AsyncPage, NotFoundError

from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import Wallet

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_async_sessions_customers_wallets_and_errors(
    live_server_url, secret_key, fund_organization
):
    fund_organization(5 * USD)

    async def flow():
        async with AsyncLLMGateway(api_key=secret_key, base_url=live_server_url) as gateway:
            session = await gateway.sessions.create(
                customer={"external_id": "user_1"}, scope={"max_spend": "0.25"}
            )
            created = [
                (await gateway.customers.create(external_id=f"user_{n}")).id for n in range(2, 5)
            ]
            page = await gateway.customers.list(limit=2)
            walked = [customer.id async for customer in page.auto_paging_iter()]
            credits = [
                await gateway.wallets.credit(session.wallet_id, amount="1.25", idempotency_key="a1")
                for _ in range(2)
            ]
            wallet = await gateway.wallets.get(session.wallet_id)
            ledger = await gateway.wallets.ledger(session.wallet_id)
            balance = await gateway.balance.get()
            with pytest.raises(NotFoundError):
                await gateway.customers.get("ext:nobody")
            revoked = await gateway.sessions.revoke(session.id)
            return session, created, page, walked, credits, wallet, ledger, balance, revoked

    session, created, page, walked, credits, wallet, ledger, balance, revoked = asyncio.run(flow())

    assert session.scope.max_spend == Decimal("0.25")
    assert isinstance(page, AsyncPage) and page.has_more
    assert walked == [*created[::-1], session.customer_id]
    assert [credit.replayed for credit in credits] == [False, True]
    assert wallet.balance == Decimal("1.25")
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == 1_250_000_000
    assert [(entry.type, entry.amount) for entry in ledger] == [("grant", Decimal("1.25"))]
    assert balance.credits == Decimal("3.75")
    assert revoked.status == "revoked"
    refused = httpx.get(
        f"{live_server_url}/v1/wallet",
        headers={"Authorization": f"Bearer {session.session_token}"},
    )
    assert refused.json()["error"]["code"] == "session_revoked"
    assert_ledger_ok()
