"""The one order in which money paths lock rows, and the helpers that lock wallets and accounts.

Lock order. Every transaction that moves money takes its row locks in this order, never back
up it, so two of them may wait for each other but can never deadlock:

1. the one document the transaction acts on: a hold (settle, release), a top-up (credit,
   refund reversal; billing), or nothing;
2. the browser session of a hold (`sessions_app.EmbeddedSession`);
3. wallets, by primary key;
4. organization accounts (credits, margin, reserved margin), by primary key;
5. the organization's payouts (`payouts.Payout`), by primary key, and only with the
   organization's margin rows (4) locked first: those two rows are what serializes every change
   to an organization's margin and payouts.

`ledger_post` moves cached balances in steps 3 and 4 (conditional UPDATEs in that order), so a
path that locks nothing up front still follows it. System accounts keep no cached row and are
never locked; inserting entries that point at them takes only PostgreSQL's shared key lock.

Rows a money path only reads are never locked: a top-up's project, a wallet's customer, an
organization. `select_for_update()` with `select_related()` would lock the joined rows too, so
every lock here names its own table (`of=("self",)`). Locks are `FOR NO KEY UPDATE`
(`no_key=True`, the lock PostgreSQL's own UPDATE takes): no money path changes a key, and a
plain `FOR UPDATE` would also block every insert whose foreign key points at the row (a hold
on the wallet, a top-up of it), which is how a lock on one row turns into a wait on another.

Holding to this order is what `tests/payouts/test_money_lock_order.py` proves under load (see
docs/ledger.md, "Lock order").
"""

from __future__ import annotations

from wallets.models import LedgerAccount, Wallet


def wallet_lock(*, wallet_id: str) -> Wallet:
    """Lock one wallet row (step 3) and return it as it is now."""
    return Wallet.objects.select_for_update(no_key=True, of=("self",)).get(pk=wallet_id)


def accounts_lock(*, account_ids: list[int]) -> dict[int, LedgerAccount]:
    """Lock organization accounts (step 4) in primary-key order; returns them by primary key."""
    rows = (
        LedgerAccount.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=account_ids)
        .order_by("pk")
    )
    return {account.pk: account for account in rows}
