"""Sign-in and sign-out pages for staff."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import LoginForm
from accounts.lockout import address_refused, address_refused_page


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class LoginView(auth_views.LoginView):
    """E-mail and password; five failures from one address lock that account there for 15 minutes, and
    too many failures from one address on any accounts pause every sign-in from it (accounts.lockout)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if address_refused(request):
            return address_refused_page(request)
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot sign anybody out."""
