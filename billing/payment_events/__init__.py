"""Payment events coming in, and the tasks they queue: the confirmations of a top-up's payment.

stripe_urls and stripe_view: Stripe's webhook endpoint (dj-stripe's, behind a signature check);
stripe_receivers: the dj-stripe receivers of the payment events billing owns; simulated: the
simulated provider's confirmation; tasks: crediting, failing and reversing top-ups.
"""
