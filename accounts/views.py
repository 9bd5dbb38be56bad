"""Sign-in and sign-out pages for staff."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import LoginForm


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class LoginView(auth_views.LoginView):
    """E-mail and password; five failures from one address lock that account there for 15 minutes."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot sign anybody out."""
