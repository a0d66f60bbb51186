"""Sign-up, log-in, log-out, password reset, and choosing or creating an organization."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dashboard import services, throttle
from dashboard.access import MODE_SESSION_KEY
from dashboard.forms import EmailAuthenticationForm, OrganizationForm, SignupForm
from dashboard.selectors import memberships_for_user
from dashboard.views.common import form_error_from, page
from llmgateway.errors import ApiError


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _throttled(request: HttpRequest, template: str, form, wait: int) -> HttpResponse:
    """The form page again, unprocessed, with a clear message: 429 Too Many Requests."""
    context = {"form": form, "throttled": throttle.wait_message(wait)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    if request.method == "POST":
        address = throttle.client_address(request)
        wait = throttle.blocked_for("signup:address", address)
        if wait:
            return _throttled(request, "dashboard/signup.html", SignupForm(), wait)
        throttle.count("signup:address", address)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                organization_name=form.cleaned_data["organization_name"],
            )
        except ApiError as error:
            form_error_from(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request, reverse("dashboard:home")))
    return page(request, "dashboard/signup.html", {"form": form, "next": request.GET.get("next")})


class LoginView(auth_views.LoginView):
    """Failed log-ins are counted per account and per client address; past either limit the
    password is not even checked (the right one is refused too) until the window passes."""

    template_name = "dashboard/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        email = request.POST.get("username", "")
        wait = max(
            throttle.blocked_for("login:account", email),
            throttle.blocked_for("login:address", throttle.client_address(request)),
        )
        if wait:
            form = self.get_form_class()(request)  # unbound: nothing is authenticated
            return _throttled(request, self.template_name, form, wait)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        email = self.request.POST.get("username", "")
        if email:
            throttle.count("login:account", email)
            throttle.count("login:address", throttle.client_address(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        throttle.clear("login:account", self.request.POST.get("username", ""))
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("dashboard:login")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "dashboard/password_reset.html"
    email_template_name = "dashboard/email/password_reset.txt"
    subject_template_name = "dashboard/email/password_reset_subject.txt"
    success_url = reverse_lazy("dashboard:password_reset_done")

    def post(self, request, *args, **kwargs):
        email = request.POST.get("email", "")
        address = throttle.client_address(request)
        wait = max(
            throttle.blocked_for("reset:email", email),
            throttle.blocked_for("reset:address", address),
        )
        if wait:
            return _throttled(request, self.template_name, self.get_form_class()(), wait)
        throttle.count("reset:address", address)
        if email:
            throttle.count("reset:email", email)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "dashboard/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "dashboard/password_reset_confirm.html"
    success_url = reverse_lazy("dashboard:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "dashboard/password_reset_complete.html"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Straight to the user's (first) organization, or to creating one."""
    membership = memberships_for_user(user=request.user).order_by("created_at").first()
    if membership is None:
        return redirect("dashboard:organization_create")
    return redirect("dashboard:organization", org_id=membership.organization_id)


@login_required
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.organization_create_for_user(
            user=request.user, name=form.cleaned_data["name"]
        )
        return redirect("dashboard:organization", org_id=organization.pk)
    return page(
        request,
        "dashboard/organization_create.html",
        {"form": form, "memberships": memberships_for_user(user=request.user)},
    )


@login_required
@require_POST
def mode_switch(request: HttpRequest) -> HttpResponse:
    """Switch between test and live data; every page shows which one you are looking at."""
    request.session[MODE_SESSION_KEY] = request.POST.get("mode") == "live"
    return redirect(_safe_next(request, reverse("dashboard:home")))
