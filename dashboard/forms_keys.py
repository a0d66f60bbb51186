"""The secret-key form: a name and the permissions (restricted keys) the member's role holds."""

from __future__ import annotations

from django import forms

from llmgateway.permissions import ALL_PERMISSIONS, PERMISSION_LABELS, ROLE_PERMISSIONS


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=200, required=False, help_text="For you, e.g. “backend”.")
    permissions = forms.MultipleChoiceField(
        required=False,  # none: a key that can only call the models
        widget=forms.CheckboxSelectMultiple,
        help_text="What the key may do over the API. You can give only permissions your role "
        "holds. Every key may call the models (chat, embeddings, images).",
    )

    def __init__(self, *args, role: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        allowed = ROLE_PERMISSIONS.get(role, frozenset())
        choices = [
            (permission, f"{permission} — {PERMISSION_LABELS[permission]}")
            for permission in ALL_PERMISSIONS
            if permission in allowed
        ]
        field = self.fields["permissions"]
        field.choices = choices
        if not self.is_bound:
            field.initial = [value for value, _ in choices]
