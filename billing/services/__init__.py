"""Billing's business logic, one module per subject; import from the module that defines it.

limits: a project's top-up limits and low-balance threshold; topups: creating and crediting
top-ups; reversals: refunds and lost disputes; low_balance: the `wallet.low_balance` notice.
"""
