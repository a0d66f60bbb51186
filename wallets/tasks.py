"""Periodic wallet tasks (thin wrappers around services)."""

from celery import shared_task

from wallets import services


@shared_task(name="wallets.tasks.release_expired_holds")
def release_expired_holds() -> int:
    return services.holds_release_expired()
