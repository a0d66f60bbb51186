"""End users' access: bearer authentication (sk_, es_), browser sessions, rate limits, and the
customer endpoints and admin (blocking a customer revokes its sessions). It may import wallets,
billing's catalog selectors and the kernel; never proxy, payouts or dashboard."""
