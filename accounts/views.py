"""Sign-in and sign-out pages for staff, the pages behind a password link, and a recorded account change."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import LoginForm
from accounts.lockout import address_refused, address_refused_page
from accounts.mfa import has_authenticator, role_requires_code, start_pending_sign_in
from accounts.models import AccountEvent, AccountEventKind, Role, User


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class LoginView(auth_views.LoginView):
    """E-mail and password; too many failures lock the account at that address, or the address (accounts.lockout).

    With an authenticator app set up, a right password signs nobody in yet: the code comes next
    (accounts.mfa_views.verify). A role that must use one and has none is signed in to set it up.
    """

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if address_refused(request):
            return address_refused_page(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        if has_authenticator(user):
            start_pending_sign_in(self.request, user, self.get_success_url())
            return HttpResponseRedirect(reverse("accounts:mfa_verify"))
        response = super().form_valid(form)
        if role_requires_code(user):
            return HttpResponseRedirect(reverse("accounts:mfa"))
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot sign anybody out."""


class PasswordLinkView(auth_views.PasswordResetConfirmView):
    """The link mailed to an account's own address, where the person chooses her password.

    Django moves the token out of the address bar into the session before the form is shown.
    """

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordLinkDoneView(auth_views.PasswordResetCompleteView):
    """The password is set; the person signs in with it."""

    template_name = "accounts/password_reset_complete.html"


@login_required
def account_event(request: HttpRequest, pk: int) -> HttpResponse:
    """One recorded account change, for the centre's supervisors and administrators and the account itself."""
    user = cast(User, request.user)
    readers = Q(subject=user)
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        readers |= Q(centre_id=user.centre_id)
    event = AccountEvent.objects.filter(readers, pk=pk).select_related("subject", "actor").first()
    if event is None:
        raise Http404
    shown = [event.old, event.new]
    if event.kind in (AccountEventKind.ROLE_CHANGED, AccountEventKind.CREATED):
        shown = [str(Role(value).label) if value else "" for value in shown]
    elif event.kind == AccountEventKind.RECOVERY_USED and event.new.isdigit():
        left = int(event.new)
        shown[1] = ngettext("%(count)d recovery code left", "%(count)d recovery codes left", left) % {"count": left}
    return render(request, "accounts/account_event.html", {"event": event, "old": shown[0], "new": shown[1]})
