"""dj-stripe receiver for `account.updated`: keeps connected accounts' payouts_enabled current.

dj-stripe verifies the signature and stores the event (once per event id); its own handler
would re-fetch the account from Stripe inside the webhook's transaction, so it is unhooked and
the payload is applied instead. That is a single conditional row update with no side effect,
so it runs in the webhook's transaction rather than in a task (an older event arriving after a
newer one is ignored by its `created` time).
"""

from __future__ import annotations

from djstripe import event_handlers
from djstripe.event_handlers import djstripe_receiver
from djstripe.models import Event
from djstripe.signals import WEBHOOK_SIGNALS

from payouts import services

WEBHOOK_SIGNALS["account.updated"].disconnect(
    event_handlers.handle_account_updated_event, sender=Event
)


@djstripe_receiver("account.updated")
def on_account_updated(sender, event: Event, **kwargs) -> None:
    account = event.data["object"]
    if account.get("object") != "account":
        return
    services.connected_account_sync(account=account, event_created=event.created)
