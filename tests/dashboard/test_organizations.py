"""Organizations: isolation between them, roles, members and invitations."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from dashboard.models import Invitation
from llmgateway.models import Membership, Project
from tests.helpers.dashboard import PASSWORD, logged_in, make_user, org_url, project_url

pytestmark = pytest.mark.django_db


def test_another_organizations_pages_answer_404(outsider_client, organization, project):
    from tests.helpers import factories
    from wallets.models import Customer

    customer = factories.make_customer(project)
    for path in (
        org_url(organization),
        org_url(organization, "members/"),
        org_url(organization, "payouts/"),
        project_url(project, "settings/"),
        project_url(project, "models/"),
        project_url(project, "keys/"),
        project_url(project, "customers/"),
        project_url(project, f"customers/{customer.pk}/"),
        project_url(project, "revenue/"),
        project_url(project, "revenue.csv"),
        project_url(project, "webhooks/"),
    ):
        assert outsider_client.get(path).status_code == 404, path
    assert outsider_client.post(project_url(project, "keys/new/")).status_code == 404
    assert Customer.objects.filter(pk=customer.pk, status="active").exists()


def test_a_project_of_another_organization_under_mine_is_404(owner_client, organization, outsider):
    theirs = Project.objects.get(name="Theirs")
    response = owner_client.get(f"/dashboard/o/{organization.pk}/p/{theirs.pk}/keys/")
    assert response.status_code == 404


def test_overview_lists_projects_and_the_organizations_credits(owner_client, organization, project):
    from wallets.services import organization_credit_grant

    organization_credit_grant(
        organization_id=organization.pk, amount_nanos=12_500_000_000, reason="t", livemode=False
    )
    page = owner_client.get(org_url(organization)).content.decode()
    assert project.name in page
    assert '<div class="value" id="org-credits">$12.50</div>' in page


def test_admin_creates_a_project_and_a_developer_may_not(
    admin_client_, developer_client, organization
):
    denied = developer_client.post(org_url(organization, "projects/new/"), {"name": "X"})
    assert denied.status_code == 403
    assert not Project.objects.filter(name="X").exists()
    created = admin_client_.post(
        org_url(organization, "projects/new/"), {"name": "Chat", "markup_percent": "15"}
    )
    project = Project.objects.get(name="Chat")
    assert created["Location"] == project_url(project, "keys/")
    assert str(project.markup_percent) == "15.00"
    assert project.api_keys.filter(kind="embedded_session").count() == 2
    duplicate = admin_client_.post(
        org_url(organization, "projects/new/"), {"name": "Chat", "markup_percent": "1"}
    )
    assert "A project with this name already exists." in duplicate.content.decode()
    negative = admin_client_.post(
        org_url(organization, "projects/new/"), {"name": "Neg", "markup_percent": "-1"}
    )
    assert "greater than or equal to 0" in negative.content.decode()


def _invite(client, organization, email, role="developer"):
    return client.post(org_url(organization, "members/invite/"), {"email": email, "role": role})


def test_invitation_is_emailed_and_accepting_adds_the_membership(owner_client, organization):
    response = _invite(owner_client, organization, "new@example.com", "admin")
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/dashboard/invitations/\w+/)", mail.outbox[0].body)
    assert link is not None
    assert link.group(0) in response.content.decode()  # shown to the inviter once
    invitee = Client()
    landing = invitee.get(link.group(1))
    assert "Join Acme" in landing.content.decode()
    signup = invitee.post(
        f"/dashboard/signup/?next={link.group(1)}",
        {"email": "new@example.com", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert signup["Location"] == link.group(1)
    accepted = invitee.post(link.group(1))
    assert accepted["Location"] == org_url(organization)
    assert Membership.objects.get(user__email="new@example.com").role == "admin"
    again = invitee.post(link.group(1))
    assert again.status_code == 404


def test_invitation_for_another_address_is_refused(owner_client, organization):
    _invite(owner_client, organization, "right@example.com")
    token_path = re.search(r"(/dashboard/invitations/\w+/)", mail.outbox[0].body).group(1)
    wrong = logged_in(make_user("wrong@example.com"))
    response = wrong.post(token_path, follow=True)
    assert "This invitation was sent to right@example.com" in response.content.decode()
    assert not Membership.objects.filter(user__email="wrong@example.com").exists()


def test_developers_cannot_invite_nor_change_roles(developer_client, organization, owner):
    assert _invite(developer_client, organization, "x@example.com").status_code == 403
    owner_membership = Membership.objects.get(user=owner)
    changed = developer_client.post(
        org_url(organization, f"members/{owner_membership.pk}/role/"), {"role": "developer"}
    )
    assert changed.status_code == 403
    owner_membership.refresh_from_db()
    assert owner_membership.role == "owner"
    assert Invitation.objects.count() == 0
    page = developer_client.get(org_url(organization, "members/")).content.decode()
    assert "Only owners and admins can invite" in page


def test_admins_cannot_invite_or_make_owners(admin_client_, organization, developer):
    response = _invite(admin_client_, organization, "boss@example.com", "owner")
    assert "Only an owner can invite an owner." in response.content.decode()
    membership = Membership.objects.get(user=developer)
    response = admin_client_.post(
        org_url(organization, f"members/{membership.pk}/role/"), {"role": "owner"}, follow=True
    )
    assert "Only an owner can change who is an owner." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "developer"


def test_the_last_owner_cannot_step_down(owner_client, organization, owner):
    membership = Membership.objects.get(user=owner)
    response = owner_client.post(
        org_url(organization, f"members/{membership.pk}/role/"), {"role": "admin"}, follow=True
    )
    assert "An organization needs at least one owner." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_removing_a_member_asks_first(owner_client, organization, developer):
    membership = Membership.objects.get(user=developer)
    path = org_url(organization, f"members/{membership.pk}/remove/")
    confirm = owner_client.get(path)
    assert "Remove dev@example.com" in confirm.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()
    owner_client.post(path)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert logged_in(developer).get(org_url(organization)).status_code == 404


def test_withdrawn_invitation_link_stops_working(owner_client, organization):
    _invite(owner_client, organization, "late@example.com")
    token_path = re.search(r"(/dashboard/invitations/\w+/)", mail.outbox[0].body).group(1)
    invitation = Invitation.objects.get()
    path = org_url(organization, f"invitations/{invitation.pk}/withdraw/")
    assert "Withdraw the invitation" in owner_client.get(path).content.decode()
    owner_client.post(path)
    assert Client().get(token_path).status_code == 404
