"""Dashboard forms: they parse and validate input; the services do the work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from billing.markup import topup_split
from billing.selectors import catalog_model_get
from billing.webhooks.events import EVENT_TYPES
from dashboard.services import allowed_providers_normalize
from llmgateway.errors import ApiError
from llmgateway.models import Membership, RoutingPreference
from llmgateway.money import NANOS_PER_USD, usd_display, usd_to_nanos
from llmgateway.origins import origin_normalize
from wallets.admin.forms import SubmitOnceForm
from wallets.models import LedgerTransaction


class UsdField(forms.CharField):
    """A USD amount typed as a decimal ("10", "10.50"), cleaned to integer nano-USD."""

    MAX_CHARACTERS = 32

    def __init__(self, *, min_nanos: int | None = None, **kwargs) -> None:
        self.min_nanos = min_nanos
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "maxlength": self.MAX_CHARACTERS}),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(text) > self.MAX_CHARACTERS:
            raise ValidationError("Enter a shorter amount.")
        try:
            nanos = usd_to_nanos(text)
        except ApiError as error:
            raise ValidationError(error.message) from None
        if self.min_nanos is not None and nanos < self.min_nanos:
            raise ValidationError(f"Enter at least {usd_display(self.min_nanos)}.")
        return nanos


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


class SignupForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(
        widget=forms.PasswordInput, strip=False, label="Password again"
    )
    organization_name = forms.CharField(
        max_length=200, required=False, help_text="Leave empty when you were invited."
    )

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", "The two passwords differ.")
        elif password:
            try:
                password_validation.validate_password(password)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Please enter a correct email and password (the password is "
        "case-sensitive).",
    }


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=200)


def markup_example(markup_percent: Decimal) -> str:
    """What a markup means, in the developer's own number: "$10 at 20% credits … earns …"."""
    split = topup_split(
        amount_nanos=10 * NANOS_PER_USD, markup_percent=markup_percent, fee_percent=0
    )
    return (
        f"$10 at {markup_percent.normalize():f}% credits the wallet "
        f"{usd_display(split.net_nanos)} and earns you {usd_display(split.margin_nanos)}."
    )


class _MarkupForm(forms.Form):
    """A project's name and markup, as the new-project and settings pages both ask for them.

    The help text speaks in the markup on the page (typed, else saved). Above
    `MARKUP_CONFIRM_ABOVE` a typo is likelier than intent (2000% leaves a wallet $0.48 of every
    $10), so saving such a markup takes a second, explicit yes.
    """

    MARKUP_CONFIRM_ABOVE = Decimal("1000")
    DEFAULT_EXAMPLE_MARKUP = Decimal("20")

    name = forms.CharField(max_length=200)
    markup_percent = forms.DecimalField(
        min_value=Decimal("0"), max_value=Decimal("10000"), decimal_places=2
    )
    confirm_high_markup = forms.BooleanField(
        required=False, widget=forms.HiddenInput, label="Yes, I mean this markup"
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        typed = self._typed_markup()
        self.fields["markup_percent"].help_text = "Taken at top-up: " + markup_example(
            typed if typed is not None else self.DEFAULT_EXAMPLE_MARKUP
        )
        if typed is not None and typed > self.MARKUP_CONFIRM_ABOVE:
            self.fields["confirm_high_markup"].widget = forms.CheckboxInput()

    def _typed_markup(self) -> Decimal | None:
        """The markup on the page: what was typed (if it is a number in range), else saved."""
        field = self.fields["markup_percent"]
        raw = (
            self.data.get("markup_percent")
            if self.is_bound
            else self.initial.get("markup_percent", field.initial)
        )
        try:
            value = Decimal(str(raw).strip())
        except (ArithmeticError, ValueError):
            return None
        if not value.is_finite() or not Decimal("0") <= value <= Decimal("10000"):
            return None
        return value.quantize(Decimal("0.01"))

    def clean(self):
        cleaned = super().clean()
        markup = cleaned.get("markup_percent")
        if (
            markup is not None
            and markup > self.MARKUP_CONFIRM_ABOVE
            and not cleaned.get("confirm_high_markup")
        ):
            self.add_error(
                "confirm_high_markup",
                f"A markup of {markup.normalize():f}% is above {self.MARKUP_CONFIRM_ABOVE}%: "
                f"{markup_example(markup)} Tick “Yes, I mean this "
                "markup” and save again to keep it.",
            )
        return cleaned


class ProjectCreateForm(_MarkupForm):
    markup_percent = forms.DecimalField(
        min_value=Decimal("0"), max_value=Decimal("10000"), decimal_places=2, initial=Decimal("0")
    )


class ProjectSettingsForm(_MarkupForm):
    allowed_origins = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, like https://app.example (browser sessions only work from these).",
    )
    sessions_enabled = forms.BooleanField(required=False, label="End-user sessions enabled")
    default_allowed_models = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Model ids, one per line, that sessions may use when minted without a scope.",
    )
    topup_min_usd = UsdField(required=False, min_nanos=1, label="Minimum top-up (USD)")
    topup_max_usd = UsdField(required=False, min_nanos=1, label="Maximum top-up (USD)")
    low_balance_threshold_usd = UsdField(required=False, label="Low-balance threshold (USD)")
    routing_preference = forms.ChoiceField(
        choices=RoutingPreference.choices,
        initial=RoutingPreference.WEIGHTED,
        help_text="Among a model's deployments of the same priority, which is tried first.",
    )
    allowed_providers = forms.CharField(
        required=False,
        help_text="Providers that may serve this project's requests, comma-separated, like "
        "openai, azure. Empty: every provider. The local test models are always allowed.",
    )

    def clean_allowed_origins(self) -> list[str]:
        origins = []
        for origin in _lines(self.cleaned_data["allowed_origins"]):
            try:
                origins.append(origin_normalize(origin, param="allowed_origins"))
            except ApiError as error:
                raise ValidationError(error.message) from None
        return list(dict.fromkeys(origins))

    def clean_default_allowed_models(self) -> list[str]:
        models = _lines(self.cleaned_data["default_allowed_models"])
        unknown = [model for model in models if catalog_model_get(model) is None]
        if unknown:
            raise ValidationError(f"Unknown model(s): {', '.join(unknown)}.")
        return models

    def clean_allowed_providers(self) -> list[str]:
        try:
            return allowed_providers_normalize(_lines(self.cleaned_data["allowed_providers"]))
        except ApiError as error:
            raise ValidationError(error.message) from None

    def clean(self):
        cleaned = super().clean()
        minimum, maximum = cleaned.get("topup_min_usd"), cleaned.get("topup_max_usd")
        if minimum is not None and maximum is not None and minimum > maximum:
            self.add_error("topup_max_usd", "The maximum top-up is less than the minimum.")
        return cleaned


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=200, required=False, help_text="For you, e.g. “backend”.")


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.DEVELOPER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class GrantCreditsForm(SubmitOnceForm):
    """Each page shown grants once, however often it is posted (the hidden submit token)."""

    amount_usd = UsdField(min_nanos=1, label="Amount (USD)")
    reason = forms.CharField(max_length=200, required=False)


class TestCreditsForm(SubmitOnceForm):
    """Test-mode credits for the organization; each page shown adds them once."""

    MAX_NANOS = 10_000 * NANOS_PER_USD

    amount_usd = UsdField(min_nanos=1, label="Amount (USD)", initial="100")
    reason = forms.CharField(max_length=200, required=False, help_text="Optional, for your ledger.")

    def clean_amount_usd(self) -> int:
        amount_nanos = self.cleaned_data["amount_usd"]
        if amount_nanos > self.MAX_NANOS:
            raise ValidationError(f"Add at most {usd_display(self.MAX_NANOS)} at a time.")
        return amount_nanos


class LedgerFilterForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "any kind"), *LedgerTransaction.Kind.choices], required=False
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ActivityFilterForm(forms.Form):
    """The activity page's filters; the model choices are the project's (set by the view)."""

    OUTCOMES = [
        ("", "any status"),
        ("completed", "completed"),
        ("failed", "failed"),
        ("cancelled", "cancelled (client left)"),
        ("refused", "refused"),
    ]
    customer = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "externalId or cus_…"}),
    )
    model = forms.ChoiceField(choices=[("", "any model")], required=False)
    status = forms.ChoiceField(choices=OUTCOMES, required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, models: Sequence[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "any model"), *((name, name) for name in models)]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise ValidationError("The start of the range is after its end.")
        return cleaned


class RevenueRangeForm(forms.Form):
    MAX_DAYS = 366
    DEFAULT_DAYS = 30
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and not until:
            until = cleaned["until"] = since + timedelta(days=RevenueRangeForm.DEFAULT_DAYS - 1)
        if since and until:
            if since > until:
                raise ValidationError("The start of the range is after its end.")
            if (until - since).days >= self.MAX_DAYS:
                raise ValidationError(f"Choose at most {self.MAX_DAYS} days.")
        return cleaned


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(max_length=2048, assume_scheme="https", label="URL")
    events = forms.MultipleChoiceField(
        choices=[(event, event) for event in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )


class PayoutRequestForm(forms.Form):
    amount_usd = UsdField(required=False, label="Amount (USD)", help_text="Empty: all available.")
