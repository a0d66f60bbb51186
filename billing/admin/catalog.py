"""The operator console for the model catalog (prices) and admin-configured provider keys."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from billing.models import PRICE_FIELDS, CatalogModel, ProviderCredential
from billing.pricing import TOKENS_PER_PRICE_UNIT
from llmgateway.money import usd_display


def _usd(nanos: int) -> str:
    """Display only, by the one money rule: 150_000_000 -> "$0.15"."""
    return usd_display(nanos)


class CatalogModelForm(forms.ModelForm):
    class Meta:
        model = CatalogModel
        fields = [
            "id",
            "provider",
            "upstream_model",
            "kind",
            "enabled",
            *PRICE_FIELDS,
            "max_output_tokens",
            "context_window",
        ]

    def clean(self):
        cleaned = super().clean()
        model_id = cleaned.get("id") or (self.instance.pk if self.instance else "")
        provider = cleaned.get("provider") or ""
        if provider and provider != provider.lower():
            self.add_error("provider", "Provider names are lower case.")
        if model_id and provider and not model_id.startswith(f"{provider}/"):
            self.add_error("id", f'The id must be "{provider}/<model>".')
        for name in PRICE_FIELDS:
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, "Prices cannot be negative.")
        return cleaned


@admin.register(CatalogModel)
class CatalogModelAdmin(admin.ModelAdmin):
    form = CatalogModelForm
    list_display = [
        "id",
        "provider",
        "kind",
        "input_usd_per_million",
        "cached_input_usd_per_million",
        "output_usd_per_million",
        "usd_per_image",
        "usd_per_request",
        "max_output_tokens",
        "context_window",
        "enabled",
    ]
    list_filter = ["provider", "kind", "enabled"]
    list_editable = ["enabled"]
    search_fields = ["id", "upstream_model", "provider"]
    readonly_fields = ["prices_in_usd", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["id", "provider", "upstream_model", "kind", "enabled"]}),
        (
            "Prices (integer nano-USD: 1 USD = 1000000000; token prices per million tokens)",
            {"fields": [*PRICE_FIELDS, "prices_in_usd"]},
        ),
        ("Limits", {"fields": ["max_output_tokens", "context_window"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # The id is the primary key that sessions' scopes and request logs refer to.
        return [*self.readonly_fields, "id"] if obj else self.readonly_fields

    @admin.display(description="Input $/M", ordering="input_nanos_per_million_tokens")
    def input_usd_per_million(self, model: CatalogModel) -> str:
        return _usd(model.input_nanos_per_million_tokens)

    @admin.display(description="Cached in $/M", ordering="cached_input_nanos_per_million_tokens")
    def cached_input_usd_per_million(self, model: CatalogModel) -> str:
        return _usd(model.cached_input_nanos_per_million_tokens)

    @admin.display(description="Output $/M", ordering="output_nanos_per_million_tokens")
    def output_usd_per_million(self, model: CatalogModel) -> str:
        return _usd(model.output_nanos_per_million_tokens)

    @admin.display(description="$/image", ordering="nanos_per_image")
    def usd_per_image(self, model: CatalogModel) -> str:
        return _usd(model.nanos_per_image)

    @admin.display(description="$/request", ordering="nanos_per_request")
    def usd_per_request(self, model: CatalogModel) -> str:
        return _usd(model.nanos_per_request)

    @admin.display(description="Prices in USD")
    def prices_in_usd(self, model: CatalogModel) -> str:
        if model.pk is None:
            return "-"
        per = f"per {TOKENS_PER_PRICE_UNIT:,} tokens"
        return (
            f"input {_usd(model.input_nanos_per_million_tokens)} {per}; "
            f"cached input {_usd(model.cached_input_nanos_per_million_tokens)} {per}; "
            f"output {_usd(model.output_nanos_per_million_tokens)} {per}; "
            f"{_usd(model.nanos_per_image)} per image; "
            f"{_usd(model.nanos_per_request)} per request"
        )


class ProviderCredentialForm(forms.ModelForm):
    """The API key is write-only: the field is always rendered empty; blank keeps the old key."""

    api_key = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Leave blank to keep the current key.",
    )
    base_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Blank: <PROVIDER>_BASE_URL, else the provider's public API.",
    )
    clear_api_key = forms.BooleanField(
        required=False, help_text="Remove the stored key (the environment's key applies again)."
    )

    class Meta:
        model = ProviderCredential
        fields = ["provider", "api_key", "base_url", "api_style", "enabled"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.pop("api_key", None)

    def clean_provider(self) -> str:
        provider = self.cleaned_data["provider"].strip()
        if provider != provider.lower() or "/" in provider or not provider:
            raise forms.ValidationError('Lower case, without "/", as in model ids.')
        if provider == "test":
            raise forms.ValidationError('"test" is the gateway\'s own local provider.')
        return provider

    def save(self, commit: bool = True) -> ProviderCredential:
        credential = super().save(commit=False)
        new_key = self.cleaned_data.get("api_key") or ""
        if self.cleaned_data.get("clear_api_key"):
            credential.api_key = ""
        elif new_key:
            credential.api_key = new_key
        elif credential.pk:
            credential.api_key = (
                ProviderCredential.objects.filter(pk=credential.pk)
                .values_list("api_key", flat=True)
                .first()
                or ""
            )
        if commit:
            credential.save()
        return credential


@admin.register(ProviderCredential)
class ProviderCredentialAdmin(admin.ModelAdmin):
    form = ProviderCredentialForm
    list_display = ["provider", "api_style", "base_url", "key_status", "enabled", "updated_at"]
    list_filter = ["api_style", "enabled"]
    search_fields = ["provider", "base_url"]
    readonly_fields = ["key_status", "created_at", "updated_at"]
    fields = [
        "provider",
        "key_status",
        "api_key",
        "clear_api_key",
        "base_url",
        "api_style",
        "enabled",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="API key")
    def key_status(self, credential: ProviderCredential) -> str:
        return "set" if credential.api_key else "not set"
