"""Who may see and do what in the dashboard: membership, roles and the test/live mode.

Roles (docs/dashboard.md): every member sees everything of their organization; a developer
also manages API keys, webhook endpoints and end users' sessions; an admin also creates and
configures projects, grants credits, blocks customers, invites and manages members (not
owners) and requests payouts; an owner can do everything, including managing owners. A page of
an organization the user is not a member of answers 404, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.shortcuts import render

from dashboard.selectors import membership_for
from llmgateway.models import Membership, Organization, Project

DEVELOPER = Membership.Role.DEVELOPER
ADMIN = Membership.Role.ADMIN
OWNER = Membership.Role.OWNER
ROLE_RANK: dict[str, int] = {DEVELOPER: 1, ADMIN: 2, OWNER: 3}
MODE_SESSION_KEY = "dashboard_livemode"


def role_at_least(role: str, required: str) -> bool:
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[required]


def livemode_of(request: HttpRequest) -> bool:
    """Test mode unless the developer switched to live (kept in their login session)."""
    return bool(request.session.get(MODE_SESSION_KEY, False))


@dataclass
class Dashboard:
    """What a page works on: the member's organization, maybe a project, and the mode."""

    membership: Membership
    organization: Organization
    project: Project | None
    livemode: bool

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def mode(self) -> str:
        return "live" if self.livemode else "test"

    def can(self, required: str) -> bool:
        return role_at_least(self.role, required)


def forbidden(request: HttpRequest, message: str):
    return render(request, "dashboard/forbidden.html", {"message": message}, status=403)


def org_page(*, role: str = DEVELOPER, with_project: bool = False):
    """Decorate a view taking (request, org_id[, project_id]); it receives `request.dashboard`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, org_id: str, *args, **kwargs):
            membership = membership_for(user=request.user, organization_id=org_id)
            if membership is None:
                raise Http404("No such organization.")
            project = None
            if with_project:
                project = Project.objects.filter(
                    pk=kwargs.pop("project_id"), organization_id=org_id
                ).first()
                if project is None:
                    raise Http404("No such project.")
            request.dashboard = Dashboard(
                membership=membership,
                organization=membership.organization,
                project=project,
                livemode=livemode_of(request),
            )
            if not role_at_least(membership.role, role):
                return forbidden(
                    request, f"This needs the {role} role or higher; you are a {membership.role}."
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
