"""Which database connection a read goes to.

Reporting reads (figures a person looks at, which may lag by replication delay) go to the read
replica when `DATABASE_REPLICA_URL` configures one; everything else — every write, and every read
that money decisions rest on — uses the primary ("default"). There is deliberately no database
router: a router would send *all* reads to the replica, balances included.
"""

from __future__ import annotations

from django.conf import settings

PRIMARY = "default"
REPLICA = "replica"


def reporting_alias() -> str:
    return REPLICA if REPLICA in settings.DATABASES else PRIMARY
