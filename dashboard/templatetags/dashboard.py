"""Template filters of the dashboard: money as exact USD decimal strings."""

from django import template

from llmgateway.money import nanos_to_usd

register = template.Library()


@register.filter
def usd(nanos: int | None) -> str:
    """Integer nano-USD → "8.333333333" / "10.00" (exact; no float on the way)."""
    return nanos_to_usd(int(nanos or 0))
