"""The operator console for end users' money: wallets, the ledger and holds, organization credits
and the books check (one module each; importing this package registers them all).

Money is never edited as a field. Balances change only through ledger services: the "Adjust
balance" page on a wallet (`wallets.services.wallet_adjust`) and, on organizations, "Grant
credits". Both need the `wallets.add_ledgertransaction` permission; freezing and unfreezing a
wallet needs `wallets.change_wallet`. Ledger rows and holds are read-only here. Customers are
sessions_app's admin (sessions_app/admin.py): blocking one revokes its sessions.
"""

from wallets.admin import books, grants, ledger, wallet  # noqa: F401  (each registers its admins)
