"""Template filters of the dashboard: money shown by the one rule of llmgateway.money, counts."""

from django import template

from llmgateway.money import usd_display

register = template.Library()


@register.filter
def usd(nanos: int | None) -> str:
    """Integer nano-USD → "$8.333333333", "-$0.00005", "$1,234.50" (exact; no float)."""
    return usd_display(int(nanos or 0))


@register.filter
def usd_signed(nanos: int | None) -> str:
    """Like `usd`, with "+" on credits: ledger amounts ("+$8.333333333", "-$0.000028")."""
    return usd_display(int(nanos or 0), signed=True)


@register.filter
def thousands(count: int | None) -> str:
    """128000 → "128,000": token counts such as a context window."""
    return f"{int(count or 0):,}"
