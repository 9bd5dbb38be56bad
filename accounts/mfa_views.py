"""The two-step pages under /accounts/mfa/: the code after the password, and setting up authenticator apps.

What a session that owes a code may do here is decided here (accounts.middleware lets these pages
through): enter its code, and, if it has no authenticator app yet, set one up. Everything else, a
second app, new recovery codes or removing an app, needs a verified session and a current code.
"""

from __future__ import annotations

import base64
from typing import cast

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.actions import (
    do_check_code,
    do_confirm_authenticator,
    do_remove_authenticator,
    do_renew_recovery_codes,
    do_start_authenticator,
)
from accounts.forms import AuthenticatorForm, CodeForm
from accounts.lockout import address_refused, address_refused_page, lockout_response
from accounts.mfa import (
    CodeCheck,
    count_failed_code,
    drop_pending_sign_in,
    finish_sign_in,
    has_authenticator,
    is_locked_out,
    is_verified,
    pending_sign_in,
    role_requires_code,
    verify_session,
)
from accounts.models import RecoveryCode, RecoveryCodeDevice, TotpDevice, User, normalize_code


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _wrong_code_message(result: CodeCheck) -> str:
    if result.wait_until is not None:
        seconds = max(1, int((result.wait_until - timezone.now()).total_seconds() + 0.999))
        return ngettext(
            "Too many wrong codes. Try again in %(seconds)d second.",
            "Too many wrong codes. Try again in %(seconds)d seconds.",
            seconds,
        ) % {"seconds": seconds}
    return _("The code is wrong or was already used.")


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    if request.user.is_authenticated:
        user = request.user
        target = _safe_next(request, request.GET.get("next", ""))
        if is_verified(user):
            return HttpResponseRedirect(target)
        if not has_authenticator(user):
            return HttpResponseRedirect(reverse("accounts:mfa"))
    else:
        waiting = pending_sign_in(request)
        if waiting is None:
            return HttpResponseRedirect(reverse(settings.LOGIN_URL))
        user, target = waiting[0], _safe_next(request, waiting[1])
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if address_refused(request):
            return address_refused_page(request)
        if is_locked_out(request, user):
            drop_pending_sign_in(request)
            return lockout_response(request)
        if form.is_valid():
            result = do_check_code(account=user, code=form.cleaned_data["code"])
            if result.device is not None:
                finish_sign_in(request, user, result.device)
                if isinstance(result.device, RecoveryCodeDevice):
                    messages.warning(
                        request,
                        _("You signed in with a recovery code; it will not work again. Make new ones if few are left."),
                    )
                return HttpResponseRedirect(target)
            form.add_error("code", _wrong_code_message(result))
        count_failed_code(request, user)
        if getattr(request, "axes_locked_out", False):
            # That was the last try: start again with the password once the lockout ends.
            drop_pending_sign_in(request)
    return render(request, "accounts/mfa/verify.html", {"form": form})


def _may_manage(request: HttpRequest, user: User) -> bool:
    # Without a verified session, only someone with no authenticator app yet may set one up.
    return is_verified(user) or not has_authenticator(user)


def _qr_data_uri(text: str) -> str:
    """The QR code of `text` as an SVG image made here: no script and nothing from another host."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2)
    svg = image.to_string(encoding="utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _overview(request: HttpRequest, user: User, *, status: int = 200, **forms: object) -> HttpResponse:
    recovery = RecoveryCodeDevice.objects.filter(user=user).first()
    context = {
        "authenticators": TotpDevice.objects.filter(user=user, confirmed=True).order_by("created_at", "pk"),
        "codes_left": RecoveryCode.objects.filter(device=recovery).count() if recovery else None,
        "required": role_requires_code(user),
        "renew_form": forms.get("renew_form") or CodeForm(auto_id="renew_%s"),
        "remove_form": forms.get("remove_form") or CodeForm(auto_id="remove_%s"),
        "remove_pk": forms.get("remove_pk"),
    }
    return render(request, "accounts/mfa/overview.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    """The account's two-step sign-in: its authenticator apps, recovery codes left, and what can be done."""
    user = cast(User, request.user)
    if not _may_manage(request, user):
        return HttpResponseRedirect(reverse("accounts:mfa_verify"))
    return _overview(request, user)


@login_required
@require_POST
def start_setup(request: HttpRequest) -> HttpResponse:
    """Makes a new secret for an authenticator app and shows it on the next page."""
    user = cast(User, request.user)
    if not _may_manage(request, user):
        return HttpResponseRedirect(reverse("accounts:mfa_verify"))
    device = do_start_authenticator(account=user)
    return HttpResponseRedirect(reverse("accounts:mfa_setup_confirm", args=[device.pk]))


@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def confirm_setup(request: HttpRequest, pk: int) -> HttpResponse:
    """The secret as a QR code and as text; the first code from the app confirms it."""
    user = cast(User, request.user)
    if not _may_manage(request, user):
        return HttpResponseRedirect(reverse("accounts:mfa_verify"))
    device = TotpDevice.objects.filter(user=user, confirmed=False, pk=pk).first()
    if device is None:
        raise Http404
    form = AuthenticatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Asked first: after a wrong code the device waits a moment, which is not the same message.
        allowed, info = device.verify_is_allowed()
        if allowed and device.verify_token(normalize_code(form.cleaned_data["code"])):
            first = not has_authenticator(user)
            codes = do_confirm_authenticator(account=user, device=device, name=form.cleaned_data["name"])
            verify_session(request, device)
            if codes:
                return render(request, "accounts/mfa/recovery_codes.html", {"codes": codes, "first": first})
            messages.success(request, _("The authenticator app is added."))
            return HttpResponseRedirect(reverse("accounts:mfa"))
        form.add_error("code", _wrong_code_message(CodeCheck(None, None if allowed else info["locked_until"])))
    secret = device.base32_secret
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url(settings.MFA_ISSUER)),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": role_requires_code(user),
    }
    return render(request, "accounts/mfa/setup.html", context)


def _verified_owner(request: HttpRequest) -> User | None:
    user = cast(User, request.user)
    return user if is_verified(user) and has_authenticator(user) else None


@sensitive_post_parameters("code")
@login_required
@require_POST
def renew_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes for a current code; the old ones stop working."""
    user = _verified_owner(request)
    if user is None:
        return HttpResponseRedirect(reverse("accounts:mfa_verify"))
    form = CodeForm(request.POST, auto_id="renew_%s")
    if form.is_valid():
        result = do_check_code(account=user, code=form.cleaned_data["code"])
        if result.device is not None:
            codes = do_renew_recovery_codes(account=user)
            return render(request, "accounts/mfa/recovery_codes.html", {"codes": codes, "first": False})
        form.add_error("code", _wrong_code_message(result))
    return _overview(request, user, renew_form=form, status=400)


@sensitive_post_parameters("code")
@login_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Removes an authenticator app for a current code (from any of the account's apps, or a recovery code)."""
    user = _verified_owner(request)
    if user is None:
        return HttpResponseRedirect(reverse("accounts:mfa_verify"))
    device = TotpDevice.objects.filter(user=user, confirmed=True, pk=pk).first()
    if device is None:
        raise Http404
    form = CodeForm(request.POST, auto_id="remove_%s")
    if form.is_valid():
        result = do_check_code(account=user, code=form.cleaned_data["code"])
        if result.device is not None:
            do_remove_authenticator(account=user, device=device)
            messages.success(request, _("The authenticator app is removed."))
            return HttpResponseRedirect(reverse("accounts:mfa"))
        form.add_error("code", _wrong_code_message(result))
    return _overview(request, user, remove_form=form, remove_pk=pk, status=400)
