"""The periodic payout tasks (beat): automatic payouts, and re-driving stuck payouts.

They run services that queue the transfer task (payouts/tasks.py), so they sit above it and
import their service inside the task body. Registered names keep the `payouts.tasks.` prefix
that the beat schedule knows them by; settings.CELERY_IMPORTS loads this module in workers.
"""

from __future__ import annotations

from celery import shared_task

from payouts.tasks import payout_transfer


@shared_task(name="payouts.tasks.payouts_automatic")
def payouts_automatic() -> int:
    """Periodic (beat): pay out organizations whose available margin reached their threshold."""
    from payouts.services import automatic

    return len(automatic.payouts_automatic_run())


@shared_task(name="payouts.tasks.payouts_resume_stuck")
def payouts_resume_stuck() -> int:
    """Periodic (beat): hand payouts left pending or processing back to the transfer task."""
    from payouts.services import automatic

    stuck = automatic.payouts_stuck()
    for payout_id in stuck:
        payout_transfer.delay(payout_id=payout_id)
    return len(stuck)
