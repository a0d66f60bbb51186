"""Fixtures that start real processes: a Celery worker, daphne, loopback fakes."""
