"""Periodic wallet tasks (thin wrappers around services)."""

from celery import shared_task


@shared_task(name="wallets.tasks.release_expired_holds")
def release_expired_holds() -> int:
    from wallets.holds.orm import holds_release_expired

    return holds_release_expired()


@shared_task(name="wallets.tasks.ledger_check_scheduled")
def ledger_check_scheduled() -> bool:
    """The periodic books check: since the last checkpoint, then seal a new one when clean."""
    from wallets.services.checkpoints import ledger_check_run

    run, _report = ledger_check_run(seal=True)
    return run.ok
