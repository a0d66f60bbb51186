"""Runs localstripe (in its own process) with the one PaymentIntent field it lacks and that real
Stripe always sends: `amount_received` (the gateway credits a top-up only with it present).

localstripe exports an object's properties along with its attributes, so adding the property
is enough; nothing of localstripe is copied. Arguments are localstripe's own (`--port`, …).
"""

import sys

from localstripe import resources
from localstripe.server import start


def _amount_received(payment_intent) -> int:
    return payment_intent.amount if payment_intent.status == "succeeded" else 0


resources.PaymentIntent.amount_received = property(_amount_received)

if __name__ == "__main__":
    sys.exit(start())
