"""Operator forms behind the admin's money actions (wallets/admin/pages.py renders them).

Wallet adjustments and organization credit grants move money, so they are never model edits:
each is a small form whose view calls one ledger service. `SubmitOnceForm` is also the base of
the dashboard's "grant credits" form.
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from llmgateway.errors import ApiError, InvalidRequest
from llmgateway.money import usd_to_nanos


class UsdAmountField(forms.CharField):
    """A USD decimal string in, exact nanos out (`cleaned_data[...]` is an int, never zero)."""

    def __init__(self, *, allow_negative: bool = False, **kwargs) -> None:
        self.allow_negative = allow_negative
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        try:
            nanos = usd_to_nanos(text, allow_negative=self.allow_negative)
        except InvalidRequest as error:
            raise forms.ValidationError(error.message, code="invalid") from None
        if nanos == 0:
            raise forms.ValidationError("The amount cannot be zero.", code="zero")
        return nanos


class ServiceErrorsMixin:
    """Shows a service's refusal (insufficient balance, bad amount…) as a form error."""

    def add_service_error(self, error: ApiError) -> None:
        field = error.param if error.param in self.fields else None  # type: ignore[attr-defined]
        self.add_error(field, error.message)  # type: ignore[attr-defined]


_SUBMIT_TOKEN = re.compile(r"[0-9a-f]{32}")


def _new_submit_token() -> str:
    return secrets.token_hex(16)


class SubmitOnceForm(forms.Form):
    """A money form that moves money once per time it is shown.

    Each rendering carries a new random token in a hidden field; the view makes it, scoped to
    what the form moves, the ledger idempotency key (`idempotency_key(scope=...)`). A double
    click or a re-posted page then posts one transaction, and the ledger refuses the same token
    with other values. A post without a token (a script, not a rendered page) has no key.
    """

    # Django's Form sets it: a QueryDict (a dict) from a request, or the dict a caller gave.
    data: dict[str, Any]

    submit_token = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=64, initial=_new_submit_token
    )

    def clean(self):
        cleaned = super().clean()
        token = cleaned.get("submit_token") or ""
        if token and not _SUBMIT_TOKEN.fullmatch(token):
            self.renew_submit_token()
            raise ValidationError("This form is out of date: check it and submit it again.")
        return cleaned

    def idempotency_key(self, *, scope: str) -> str | None:
        token = self.cleaned_data.get("submit_token")
        return f"{scope}:{token}" if token else None

    def renew_submit_token(self) -> None:
        """Show the page again with a new token, after a refusal that used up the old one."""
        data = self.data.copy()
        data[self.add_prefix("submit_token")] = _new_submit_token()
        self.data = data

    def refuse_reused_token(self) -> None:
        """The token already moved money with other values: say so, and offer a fresh page."""
        self.renew_submit_token()
        self.add_error(
            None,
            "This form was already submitted with other values, and that was done; nothing "
            "more was moved. Check the values and submit again to make another one.",
        )


class AdjustBalanceForm(ServiceErrorsMixin, SubmitOnceForm):
    amount = UsdAmountField(
        allow_negative=True,
        label="Amount (USD)",
        help_text='Signed: "10" credits the wallet $10.00, "-1.50" debits it $1.50.',
    )
    reason = forms.CharField(
        max_length=500,
        help_text="Recorded on the ledger transaction with your username.",
    )


class GrantCreditsForm(ServiceErrorsMixin, forms.Form):
    amount = UsdAmountField(label="Amount (USD)", help_text='For example "100" or "25.50".')
    mode = forms.ChoiceField(choices=[("live", "Live"), ("test", "Test")], initial="live")
    reason = forms.CharField(
        max_length=500,
        help_text="Recorded on the ledger transaction with your username.",
    )
    # Minted when the page is shown, so a double submit or a re-posted page grants once.
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"].initial = f"admin_grant_{uuid.uuid4().hex}"
