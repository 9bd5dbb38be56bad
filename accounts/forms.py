"""Forms of the accounts app."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's sign-in form, labelled for an e-mail address."""

    username = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class CodeForm(forms.Form):
    """The code of the second step: six digits from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}
        ),
    )


class AuthenticatorForm(forms.Form):
    """Confirms a new authenticator app with its first code; the name tells one phone from another."""

    name = forms.CharField(label=_("Name of this authenticator"), max_length=64, initial=_("My phone"))
    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
