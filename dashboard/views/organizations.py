"""An organization's overview, its projects, members and invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from dashboard import services
from dashboard.access import ADMIN, forbidden, org_page
from dashboard.forms import InvitationForm, ProjectCreateForm, RoleForm, TestCreditsForm
from dashboard.models import Invitation
from dashboard.views.common import confirm, form_error_from, page
from llmgateway.errors import ApiError, IdempotencyConflict, NotFound
from llmgateway.models import Membership
from llmgateway.money import usd_display
from llmgateway.services import project_create
from wallets.selectors import organization_balance


def _organization_page(request: HttpRequest, *, credits_form=None, status=200) -> HttpResponse:
    dashboard = request.dashboard
    balance = organization_balance(
        organization_id=dashboard.organization.pk, livemode=dashboard.livemode
    )
    context = {
        "balance": balance,
        "can_add_test_credits": not dashboard.livemode and dashboard.can(ADMIN),
        "credits_form": credits_form or TestCreditsForm(),
    }
    return page(request, "dashboard/organization.html", context, status=status)


@org_page()
def organization(request: HttpRequest) -> HttpResponse:
    return _organization_page(request)


@org_page(role=ADMIN)
@require_POST
def test_credits_add(request: HttpRequest) -> HttpResponse:
    """Test mode only: credits to try keys and grants with, through the ledger's grant."""
    dashboard = request.dashboard
    if dashboard.livemode:
        return forbidden(
            request,
            "Test credits are added in test mode only: switch to test data. Live credits are "
            "granted by the platform's operator.",
        )
    form = TestCreditsForm(request.POST)
    if not form.is_valid():
        return _organization_page(request, credits_form=form, status=400)
    try:
        _, created = services.organization_test_credits_add(
            organization_id=dashboard.organization.pk,
            amount_nanos=form.cleaned_data["amount_usd"],
            reason=form.cleaned_data["reason"],
            actor=f"dashboard:{request.user.get_username()}",
            idempotency_key=form.idempotency_key(
                scope=f"dashboard-test-credits:{dashboard.organization.pk}"
            ),
        )
    except IdempotencyConflict:
        form.refuse_reused_token()
        return _organization_page(request, credits_form=form, status=400)
    except ApiError as error:
        form_error_from(form, error, field_for_param={"amount": "amount_usd"})
        return _organization_page(request, credits_form=form, status=400)
    if created:
        messages.success(
            request, f"Added {usd_display(form.cleaned_data['amount_usd'])} of test credits."
        )
    else:
        messages.warning(request, "These test credits were already added; nothing more was moved.")
    return redirect("dashboard:organization", org_id=dashboard.organization.pk)


@org_page(role=ADMIN)
def project_new(request: HttpRequest) -> HttpResponse:
    dashboard = request.dashboard
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        if dashboard.organization.projects.filter(name=name).exists():
            form.add_error("name", "A project with this name already exists.")
        else:
            project = project_create(
                organization=dashboard.organization,
                name=name,
                markup_percent=form.cleaned_data["markup_percent"],
            )
            messages.success(request, f"Project “{project.name}” created. Now create a key.")
            return redirect(
                "dashboard:keys", org_id=dashboard.organization.pk, project_id=project.pk
            )
    return page(request, "dashboard/project_new.html", {"form": form})


def _members_page(request: HttpRequest, *, form=None, created_link: str = "") -> HttpResponse:
    dashboard = request.dashboard
    return page(
        request,
        "dashboard/members.html",
        {
            "members": dashboard.organization.memberships.select_related("user").order_by(
                "created_at"
            ),
            "invitations": Invitation.objects.filter(
                organization=dashboard.organization, accepted_at=None, revoked_at=None
            ),
            "form": form or InvitationForm(),
            "role_choices": Membership.Role.choices,
            "created_link": created_link,
            "can_manage": dashboard.can(ADMIN),
        },
    )


@org_page()
def members(request: HttpRequest) -> HttpResponse:
    return _members_page(request)


@org_page(role=ADMIN)
@require_POST
def invitation_create(request: HttpRequest) -> HttpResponse:
    dashboard = request.dashboard
    form = InvitationForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["role"] == Membership.Role.OWNER and not dashboard.can("owner"):
            form.add_error("role", "Only an owner can invite an owner.")
        else:
            try:
                created = services.invitation_create(
                    organization=dashboard.organization,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                    accept_url_for=lambda token: request.build_absolute_uri(
                        reverse("dashboard:invitation_accept", args=[token])
                    ),
                )
            except ApiError as error:
                form_error_from(form, error)
            else:
                link = request.build_absolute_uri(
                    reverse("dashboard:invitation_accept", args=[created.token])
                )
                messages.success(request, f"Invitation emailed to {created.invitation.email}.")
                return _members_page(request, created_link=link)
    return _members_page(request, form=form)


def _member(request: HttpRequest, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user")
        .filter(pk=membership_id, organization=request.dashboard.organization)
        .first()
    )
    if membership is None:
        raise Http404("No such member.")
    return membership


@org_page(role=ADMIN)
@require_POST
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _member(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role: owner, admin or developer.")
    else:
        try:
            services.membership_role_change(
                membership=membership,
                role=form.cleaned_data["role"],
                actor=request.dashboard.membership,
            )
        except ApiError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{membership.user.email} is now {membership.role}.")
    return redirect("dashboard:members", org_id=request.dashboard.organization.pk)


@org_page(role=ADMIN)
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _member(request, membership_id)
    back = reverse("dashboard:members", args=[request.dashboard.organization.pk])
    if request.method != "POST":
        return confirm(
            request,
            title="Remove member",
            message=f"Remove {membership.user.email} from {request.dashboard.organization}? "
            "They lose access at once.",
            action_label="Remove member",
            cancel_url=back,
        )
    try:
        services.membership_remove(membership=membership, actor=request.dashboard.membership)
    except ApiError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{membership.user.email} was removed.")
    if membership.user_id == request.user.id:
        return redirect("dashboard:home")
    return redirect(back)


@org_page(role=ADMIN)
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    back = reverse("dashboard:members", args=[request.dashboard.organization.pk])
    invitation = Invitation.objects.filter(
        pk=invitation_id, organization=request.dashboard.organization
    ).first()
    if invitation is None:
        raise Http404("No such invitation.")
    if request.method != "POST":
        return confirm(
            request,
            title="Withdraw invitation",
            message=f"Withdraw the invitation of {invitation.email}? Its link stops working.",
            action_label="Withdraw invitation",
            cancel_url=back,
        )
    try:
        services.invitation_revoke(
            organization=request.dashboard.organization, invitation_id=invitation.pk
        )
    except NotFound as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
    return redirect(back)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link sees what it is for; accepting needs the invited address's login."""
    try:
        invitation = services.invitation_for_token(token=token)
    except NotFound as error:
        return page(request, "dashboard/invitation.html", {"error": error.message}, status=404)
    if request.method == "POST":
        return _invitation_accept_post(request, token)
    return page(request, "dashboard/invitation.html", {"invitation": invitation})


@login_required
@require_POST
def _invitation_accept_post(request: HttpRequest, token: str) -> HttpResponse:
    try:
        membership = services.invitation_accept(token=token, user=request.user)
    except ApiError as error:
        messages.error(request, error.message)
        return redirect("dashboard:invitation_accept", token=token)
    messages.success(request, f"You joined {membership.organization} as {membership.role}.")
    return redirect("dashboard:organization", org_id=membership.organization_id)
