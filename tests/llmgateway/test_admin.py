"""The operator console for tenancy: organizations, members, projects, API keys, credit grants."""

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.urls import reverse

from llmgateway import services as tenancy
from llmgateway.models import ApiKey, Membership, Organization, Project
from tests.helpers.factories import make_organization, make_project
from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import LedgerAccount, LedgerTransaction


@pytest.fixture
def secret_key(project):
    api_key, _ = tenancy.api_key_create(project=project, livemode=True, name="backend")
    return api_key


@pytest.fixture
def member(organization):
    user = get_user_model().objects.create_user("dev1", email="dev1@example.com")
    return tenancy.membership_add(organization=organization, user=user, role="developer")


def _url(model, view, *args):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    return reverse(name, args=[quote(arg) for arg in args])


def _org_credits_nanos(organization, *, livemode=True):
    account = LedgerAccount.objects.filter(
        organization=organization, kind=LedgerAccount.Kind.ORG_CREDITS, livemode=livemode
    ).first()
    return account.balance_nanos if account else 0


def test_every_tenancy_changelist_and_change_page_renders(admin_client, member, secret_key):
    project = secret_key.project
    for model, obj, text in [
        (Organization, project.organization, "Acme"),
        (Membership, member, "dev1"),
        (Project, project, "https://app.example"),
        (ApiKey, secret_key, secret_key.display_prefix),
    ]:
        listing = admin_client.get(_url(model, "changelist"))
        assert listing.status_code == 200, model
        assert text in listing.text, model
        page = admin_client.get(_url(model, "change", obj.pk))
        assert page.status_code == 200, model
        assert text in page.text, model


def test_add_pages_render_for_what_operators_may_create(admin_client, organization):
    for model in (Organization, Membership, Project):
        assert admin_client.get(_url(model, "add")).status_code == 200, model


def test_organization_page_shows_members_projects_and_credits(admin_client, member, project):
    page = admin_client.get(_url(Organization, "change", project.organization.pk))

    assert "dev1" in page.text
    assert "Shop" in page.text
    assert "Grant credits" in page.text


def test_organization_list_shows_credits_as_usd_strings(admin_client, organization):
    from wallets import services

    services.organization_credit_grant(
        organization_id=organization.pk, amount_nanos=8_333_333_333, reason="seed"
    )

    listing = admin_client.get(_url(Organization, "changelist"))

    assert "8.333333333" in listing.text
    assert_ledger_ok()


def test_search_finds_organizations_projects_and_keys(admin_client, secret_key):
    make_organization("Globex")

    found = admin_client.get(_url(Organization, "changelist"), {"q": "acm"})
    assert "Acme" in found.text
    assert "Globex" not in found.text

    by_id = admin_client.get(_url(Project, "changelist"), {"q": secret_key.project.pk})
    assert by_id.context["cl"].result_count == 1

    by_prefix = admin_client.get(_url(ApiKey, "changelist"), {"q": secret_key.display_prefix})
    assert list(by_prefix.context["cl"].result_list) == [secret_key]

    nothing = admin_client.get(_url(ApiKey, "changelist"), {"q": "sk_live_zzzz"})
    assert nothing.context["cl"].result_count == 0


def test_api_key_pages_never_show_the_hash(admin_client, secret_key):
    embedded = ApiKey.objects.filter(kind=ApiKey.Kind.EMBEDDED_SESSION).first()
    pages = [
        admin_client.get(_url(ApiKey, "changelist")),
        admin_client.get(_url(ApiKey, "change", secret_key.pk)),
        admin_client.get(_url(ApiKey, "change", embedded.pk)),
        admin_client.get(_url(Project, "change", secret_key.project.pk)),
    ]
    for page in pages:
        assert page.status_code == 200
        for key in ApiKey.objects.all():
            assert key.key_hash not in page.text


def test_api_keys_cannot_be_added_edited_or_deleted(admin_client, secret_key):
    assert admin_client.get(_url(ApiKey, "add")).status_code == 403
    edit = admin_client.post(
        _url(ApiKey, "change", secret_key.pk), {"name": "renamed", "key_hash": "0" * 64}
    )
    assert edit.status_code == 403
    assert admin_client.post(
        _url(ApiKey, "delete", secret_key.pk), {"post": "yes"}
    ).status_code == (403)
    secret_key.refresh_from_db()
    assert secret_key.name == "backend"
    assert secret_key.revoked_at is None


def test_revoke_action_revokes_secret_keys_and_skips_embedded_session_keys(
    admin_client, secret_key
):
    embedded = ApiKey.objects.filter(
        project=secret_key.project, kind=ApiKey.Kind.EMBEDDED_SESSION
    ).first()
    other, _ = tenancy.api_key_create(project=secret_key.project, livemode=False)

    response = admin_client.post(
        _url(ApiKey, "changelist"),
        {"action": "revoke_keys", "_selected_action": [secret_key.pk, embedded.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Revoked 1 key(s)." in response.text
    assert "Skipped 1 key(s)" in response.text
    secret_key.refresh_from_db()
    embedded.refresh_from_db()
    other.refresh_from_db()
    assert secret_key.revoked_at is not None
    assert embedded.revoked_at is None
    assert other.revoked_at is None

    revoked = admin_client.get(_url(ApiKey, "changelist"), {"revoked": "yes"})
    assert list(revoked.context["cl"].result_list) == [secret_key]


def test_adding_a_project_in_admin_creates_its_embedded_session_keys(admin_client, organization):
    response = admin_client.post(
        _url(Project, "add"),
        {
            "organization": organization.pk,
            "name": "Docs bot",
            "markup_percent": "15",
            "sessions_enabled": "",
            "allowed_origins": '["https://docs.example"]',
            "default_allowed_models": "[]",
            "api_keys-TOTAL_FORMS": "0",
            "api_keys-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    project = Project.objects.get(name="Docs bot")
    assert project.allowed_origins == ["https://docs.example"]
    assert project.sessions_enabled is False
    assert str(project.markup_percent) == "15.00"
    kinds = sorted(project.api_keys.values_list("kind", "livemode"))
    assert kinds == [("embedded_session", False), ("embedded_session", True)]


def test_a_negative_markup_is_refused(admin_client, project):
    response = admin_client.post(
        _url(Project, "change", project.pk),
        {
            "name": project.name,
            "markup_percent": "-1",
            "sessions_enabled": "on",
            "allowed_origins": "[]",
            "default_allowed_models": "[]",
            "api_keys-TOTAL_FORMS": "0",
            "api_keys-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["markup_percent"]
    project.refresh_from_db()
    assert str(project.markup_percent) == "20.00"


def _grant_form(admin_client, organization):
    page = admin_client.get(_url(Organization, "grant_credits", organization.pk))
    assert page.status_code == 200
    return page.context["form"]["idempotency_key"].value()


def test_grant_credits_posts_a_ledger_grant_by_the_operator(admin_client, organization):
    key = _grant_form(admin_client, organization)

    response = admin_client.post(
        _url(Organization, "grant_credits", organization.pk),
        {
            "amount": "12.345678901",
            "mode": "live",
            "reason": "launch credit",
            "idempotency_key": key,
        },
    )

    assert response.status_code == 302
    assert response.url == _url(Organization, "change", organization.pk)
    assert _org_credits_nanos(organization) == 12_345_678_901
    assert _org_credits_nanos(organization, livemode=False) == 0
    txn = LedgerTransaction.objects.get()
    assert (txn.kind, txn.livemode, txn.actor, txn.description) == (
        "grant",
        True,
        "admin",
        "launch credit",
    )
    assert_ledger_ok()


def test_a_resubmitted_grant_is_granted_once(admin_client, organization):
    key = _grant_form(admin_client, organization)
    data = {"amount": "5", "mode": "test", "reason": "trial", "idempotency_key": key}

    first = admin_client.post(_url(Organization, "grant_credits", organization.pk), data)
    again = admin_client.post(
        _url(Organization, "grant_credits", organization.pk), data, follow=True
    )

    assert first.status_code == 302
    assert "already made" in again.text
    assert _org_credits_nanos(organization, livemode=False) == 5 * USD
    assert LedgerTransaction.objects.count() == 1
    assert_ledger_ok()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "1.0000000001", "mode": "live", "reason": "x"}, "amount"),
        ({"amount": "-5", "mode": "live", "reason": "x"}, "amount"),
        ({"amount": "0", "mode": "live", "reason": "x"}, "amount"),
        ({"amount": "ten", "mode": "live", "reason": "x"}, "amount"),
        ({"amount": "5", "mode": "live", "reason": "  "}, "reason"),
        ({"amount": "5", "mode": "gold", "reason": "x"}, "mode"),
    ],
)
def test_an_invalid_grant_shows_a_form_error_and_grants_nothing(
    admin_client, organization, data, field
):
    response = admin_client.post(
        _url(Organization, "grant_credits", organization.pk),
        {**data, "idempotency_key": "admin_grant_test"},
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert LedgerTransaction.objects.count() == 0
    assert _org_credits_nanos(organization) == 0
    assert_ledger_ok()


def test_grant_credits_for_a_missing_organization_redirects(admin_client, db):
    response = admin_client.get(_url(Organization, "grant_credits", "org_missing"))
    assert response.status_code == 302


def test_staff_without_money_permission_cannot_grant(client, organization):
    staff = get_user_model().objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(staff)

    response = client.post(
        _url(Organization, "grant_credits", organization.pk),
        {"amount": "5", "mode": "live", "reason": "x", "idempotency_key": "k"},
    )

    assert response.status_code == 403
    assert LedgerTransaction.objects.count() == 0


def test_non_staff_users_are_sent_to_the_login_page(client, secret_key):
    user = get_user_model().objects.create_user("enduser", password="pw")
    client.force_login(user)

    for url in [
        _url(Organization, "changelist"),
        _url(ApiKey, "changelist"),
        _url(Organization, "grant_credits", secret_key.project.organization.pk),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_project_lists_show_markup_origins_and_sessions(admin_client, organization):
    make_project(organization, name="Second", markup_percent="7.5", allowed_origins=[])

    listing = admin_client.get(_url(Project, "changelist"))

    assert "7.50" in listing.text
    assert "Second" in listing.text
    filtered = admin_client.get(_url(Project, "changelist"), {"sessions_enabled__exact": "1"})
    assert filtered.context["cl"].result_count == 1


def test_an_organization_can_be_renamed_and_given_a_member(admin_client, project):
    organization = project.organization
    user = get_user_model().objects.create_user("ops2")

    response = admin_client.post(
        _url(Organization, "change", organization.pk),
        {
            "name": "Acme Corp",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": user.pk,
            "memberships-0-role": "admin",
            "projects-TOTAL_FORMS": "1",
            "projects-INITIAL_FORMS": "1",
            "projects-0-id": project.pk,
            "projects-0-organization": organization.pk,
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    organization.refresh_from_db()
    assert organization.name == "Acme Corp"
    assert Membership.objects.get(organization=organization).role == "admin"
    assert Project.objects.filter(organization=organization).count() == 1
