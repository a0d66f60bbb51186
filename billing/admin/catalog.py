"""The operator console for the model catalog (prices) and admin-configured provider keys."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from billing.models import PRICE_FIELDS, CatalogModel, Deployment, ProviderCredential
from billing.pricing import TOKENS_PER_PRICE_UNIT
from llmgateway.money import usd_display


def _usd(nanos: int) -> str:
    """Display only, by the one money rule: 150_000_000 -> "$0.15"."""
    return usd_display(nanos)


def _prices_in_usd(deployment: Deployment) -> str:
    per = f"per {TOKENS_PER_PRICE_UNIT:,} tokens"
    return (
        f"input {_usd(deployment.input_nanos_per_million_tokens)} {per}; "
        f"cached input {_usd(deployment.cached_input_nanos_per_million_tokens)} {per}; "
        f"output {_usd(deployment.output_nanos_per_million_tokens)} {per}; "
        f"{_usd(deployment.nanos_per_image)} per image; "
        f"{_usd(deployment.nanos_per_request)} per request"
    )


class DeploymentForm(forms.ModelForm):
    class Meta:
        model = Deployment
        fields = [
            "model",
            "provider",
            "upstream_model",
            "priority",
            "weight",
            "timeout_seconds",
            "enabled",
            *PRICE_FIELDS,
        ]

    def clean_provider(self) -> str:
        provider = (self.cleaned_data.get("provider") or "").strip()
        if provider != provider.lower() or "/" in provider:
            raise forms.ValidationError('Provider names are lower case, without "/".')
        return provider

    def clean(self):
        cleaned = super().clean()
        for name in PRICE_FIELDS:
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, "Prices cannot be negative.")
        weight = cleaned.get("weight")
        if weight is not None and weight < 1:
            self.add_error("weight", "A weight is at least 1 (disable a deployment instead).")
        return cleaned


class DeploymentFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise forms.ValidationError("A model needs at least one deployment to serve it.")


class DeploymentInline(admin.TabularInline):
    model = Deployment
    form = DeploymentForm
    formset = DeploymentFormSet
    extra = 0
    min_num = 1  # a model nobody serves can't be called
    fields = [
        "provider",
        "upstream_model",
        "priority",
        "weight",
        "timeout_seconds",
        "enabled",
        *PRICE_FIELDS,
    ]


class CatalogModelForm(forms.ModelForm):
    class Meta:
        model = CatalogModel
        fields = ["id", "kind", "enabled", "max_output_tokens", "context_window"]

    def clean_id(self) -> str:
        model_id = (self.cleaned_data.get("id") or "").strip()
        owner, _, name = model_id.partition("/")
        if not owner or not name or owner != owner.lower():
            raise forms.ValidationError('The id is "owner/model", the owner in lower case.')
        return model_id


@admin.register(CatalogModel)
class CatalogModelAdmin(admin.ModelAdmin):
    form = CatalogModelForm
    inlines = [DeploymentInline]
    list_display = ["id", "kind", "served_by", "max_output_tokens", "context_window", "enabled"]
    list_filter = ["kind", "enabled", "deployments__provider"]
    list_editable = ["enabled"]
    search_fields = ["id", "deployments__upstream_model", "deployments__provider"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["id", "kind", "enabled"]}),
        ("Limits (size every request's hold)", {"fields": ["max_output_tokens", "context_window"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("deployments")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # The id is the primary key that sessions' scopes and request logs refer to.
        return [*self.readonly_fields, "id"] if obj else self.readonly_fields

    @admin.display(description="Served by (priority, weight: input / output $/M)")
    def served_by(self, model: CatalogModel) -> str:
        return "; ".join(
            f"{d.provider} (p{d.priority}, w{d.weight}: "
            f"{_usd(d.input_nanos_per_million_tokens)} / "
            f"{_usd(d.output_nanos_per_million_tokens)})" + ("" if d.enabled else " off")
            for d in model.deployments.all()
        )


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    """Every deployment across the catalog: to take one provider out everywhere at once."""

    form = DeploymentForm
    list_display = [
        "model",
        "provider",
        "upstream_model",
        "priority",
        "weight",
        "input_usd_per_million",
        "output_usd_per_million",
        "enabled",
    ]
    list_filter = ["provider", "enabled", "model__kind"]
    list_editable = ["priority", "weight", "enabled"]
    search_fields = ["model__id", "provider", "upstream_model"]
    readonly_fields = ["prices_in_usd", "created_at", "updated_at"]
    list_select_related = ["model"]

    @admin.display(description="Input $/M", ordering="input_nanos_per_million_tokens")
    def input_usd_per_million(self, deployment: Deployment) -> str:
        return _usd(deployment.input_nanos_per_million_tokens)

    @admin.display(description="Output $/M", ordering="output_nanos_per_million_tokens")
    def output_usd_per_million(self, deployment: Deployment) -> str:
        return _usd(deployment.output_nanos_per_million_tokens)

    @admin.display(description="Prices in USD")
    def prices_in_usd(self, deployment: Deployment) -> str:
        return "-" if deployment.pk is None else _prices_in_usd(deployment)


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
