"""The operator console for tenancy: organizations, members, projects and API keys.

Part of the kernel: it imports no app. The wallets admin adds an organization's credits and the
"Grant credits" page to `OrganizationAdmin` (wallets/admin/grants.py).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpRequest

from llmgateway import services as tenancy
from llmgateway.admin_stripe import djstripe_admin_trim
from llmgateway.models import ApiKey, Membership, Organization, Project


class ReadOnlyAdminMixin:
    """For rows only services may write (keys, ledger, holds): operators look, never edit."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


class ProjectInline(admin.TabularInline):
    """Listed here, added on the project page (creating one also creates its session keys)."""

    model = Project
    extra = 0
    show_change_link = True
    fields = ["name", "markup_percent", "sessions_enabled", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "member_count", "project_count", "created_at"]
    search_fields = ["name", "=id"]
    search_help_text = "Name, or the exact id (org_…)."
    date_hierarchy = "created_at"
    readonly_fields = ["id", "created_at"]
    inlines = [MembershipInline, ProjectInline]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name"]
        return ["id", "name", "created_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count("memberships", distinct=True),
                project_count=Count("projects", distinct=True),
            )
        )

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, organization) -> int:
        return organization.member_count

    @admin.display(description="Projects", ordering="project_count")
    def project_count(self, organization) -> int:
        return organization.project_count


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organization"]
    search_fields = ["user__username", "user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    readonly_fields = ["created_at"]


class ApiKeyInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ApiKey
    extra = 0
    show_change_link = True
    fields = [
        "display_prefix",
        "name",
        "kind",
        "livemode",
        "permissions",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = fields


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organization",
        "id",
        "markup_percent",
        "origins",
        "sessions_enabled",
        "created_at",
    ]
    list_filter = ["sessions_enabled"]
    list_select_related = ["organization"]
    search_fields = ["name", "=id", "organization__name"]
    search_help_text = "Project or organization name, or the exact id (proj_…)."
    autocomplete_fields = ["organization"]
    fields = [
        "id",
        "organization",
        "name",
        "markup_percent",
        "sessions_enabled",
        "allowed_origins",
        "default_allowed_models",
        "session_max_lifetime_seconds",
        "session_origin_required",
        "created_at",
    ]
    inlines = [ApiKeyInline]

    def get_readonly_fields(self, request, obj=None):
        # A project's customers, wallets and ledger belong to its organization for good.
        return ["id", "created_at"] + (["organization"] if obj is not None else [])

    @admin.display(description="Allowed origins")
    def origins(self, project) -> str:
        return ", ".join(project.allowed_origins) or "—"

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # Through the service: a project needs its hidden embedded-session keys from birth.
        created = tenancy.project_create(
            organization=obj.organization,
            name=obj.name,
            markup_percent=obj.markup_percent,
            allowed_origins=obj.allowed_origins,
            default_allowed_models=obj.default_allowed_models,
        )
        if not obj.sessions_enabled:
            created.sessions_enabled = False
            created.save(update_fields=["sessions_enabled"])
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding, obj._state.db = False, created._state.db


class RevokedFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("no", "Active"), ("yes", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_at__isnull=self.value() == "no")
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Keys are minted by the dashboard or `bootstrap_project`; here they are only revoked."""

    list_display = [
        "display_prefix",
        "name",
        "kind",
        "livemode",
        "project",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["kind", "livemode", RevokedFilter]
    list_select_related = ["project__organization"]
    search_fields = [
        "display_prefix",
        "name",
        "=id",
        "project__name",
        "project__organization__name",
    ]
    search_help_text = "Key prefix (sk_live_ab…), key name, project or organization name."
    # key_hash is never shown: no operator task needs it, so no screen should carry it.
    fields = [
        "id",
        "display_prefix",
        "name",
        "kind",
        "livemode",
        "project",
        "permissions",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["revoke_keys"]

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("llmgateway.change_apikey")

    @admin.action(description="Revoke selected keys", permissions=["revoke"])
    def revoke_keys(self, request, queryset) -> None:
        revoked = skipped = 0
        for api_key in queryset:
            if api_key.kind != ApiKey.Kind.SECRET or api_key.revoked_at is not None:
                skipped += 1
                continue
            tenancy.api_key_revoke(api_key_id=api_key.pk)
            self.log_change(request, api_key, "Revoked.")
            revoked += 1
        self.message_user(request, f"Revoked {revoked} key(s).")
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} key(s): already revoked, or an embedded-session key "
                "(those are never accepted as a bearer, so there is nothing to revoke).",
                messages.WARNING,
            )


djstripe_admin_trim()
