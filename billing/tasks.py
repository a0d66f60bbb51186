"""Celery tasks of billing's low-balance notice: thin wrappers around billing/services/low_balance.

A refund reversal queues `wallet_low_balance_check`, so these tasks sit below the top-up services
and import their service inside the task body. The other subjects keep their tasks next to
their callers, under the same `billing.tasks.` names: billing/payment_events/tasks.py (crediting,
failing and reversing top-ups) and billing/webhooks/tasks.py (delivering developer webhooks).
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="billing.tasks.wallet_low_balance_check", ignore_result=True)
def wallet_low_balance_check(*, wallet_id: str) -> bool:
    """Queue after anything that lowers a balance (e.g. the proxy's settle) has committed."""
    from billing.services import low_balance

    return low_balance.wallet_low_balance_observe(wallet_id=wallet_id)


@shared_task(name="billing.tasks.wallets_low_balance_scan", ignore_result=True)
def wallets_low_balance_scan() -> int:
    """Periodic (beat): `wallet.low_balance` for armed wallets that spending took below."""
    from billing.services import low_balance

    return low_balance.wallets_low_balance_scan()
