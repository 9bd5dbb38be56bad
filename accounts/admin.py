"""Django admin for administrators: their own centre's accounts, lockouts, tokens and account changes.

No case model is ever registered here, no page sets or shows a password, and every row of another
centre answers 404, like one that does not exist. There is no superuser in caseflow (accounts.models):
operators create centres and their first administrator with `manage.py create_centre`. The admin
site has no sign-in form of its own: it sends people to the staff one (two-step sign-in, lockout).
"""

from __future__ import annotations

from typing import Any, cast

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts.actions import do_create_account, do_reset_two_step, do_send_password_link, do_update_account
from accounts.mfa import has_authenticator
from accounts.models import AccountEvent, Centre, User


def _own_centre_id(request: HttpRequest) -> int:
    return cast(User, request.user).centre_id


class OwnCentreAdmin(admin.ModelAdmin):
    """Shows an administrator the rows of her own centre only; any other row is a 404."""

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope(request, super().get_queryset(request))

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        # The admin would redirect with "does not exist" and name the id; "not yours" and "does not
        # exist" are one 404 here, as everywhere in caseflow.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


@admin.register(Centre)
class CentreAdmin(OwnCentreAdmin):
    list_display = ["name", "created_at"]

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(pk=_own_centre_id(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Centres are created by the installation's operators (manage.py create_centre).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class UserCreationForm(forms.ModelForm):
    """A new account: no centre (always the administrator's) and no password (the person chooses it)."""

    class Meta:
        model = User
        fields = ["email", "full_name", "role", "preferred_language"]


class UserEditForm(forms.ModelForm):
    """An existing account: the centre is shown read-only and there is no password field."""

    class Meta:
        model = User
        fields = ["email", "full_name", "role", "preferred_language", "is_active"]


@admin.register(User)
class UserAdmin(OwnCentreAdmin):
    """The accounts of the administrator's centre; a password only ever through a link to the account's own address."""

    form = UserEditForm
    add_form = UserCreationForm
    change_form_template = "admin/accounts/user/change_form.html"
    list_display = ["email", "full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    ordering = ["full_name"]
    readonly_fields = ["centre", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email"]}),
        (_("Person"), {"fields": ["full_name", "preferred_language"]}),
        (_("Centre and role"), {"fields": ["centre", "role", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "role", "preferred_language"]})]

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(centre_id=_own_centre_id(request))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        # An administrator cannot change her own role or access: no self-promotion to supervisor.
        if obj is not None and obj.pk == request.user.pk:
            fields += ["role", "is_active"]
        return fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "centre":
            kwargs["queryset"] = Centre.objects.filter(pk=_own_centre_id(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Deactivate instead: deleting would list (and orphan) the cases a person worked on.
        return False

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        actor = cast(User, request.user)
        if change:
            do_update_account(actor=actor, account=obj, fields=form.changed_data)
        else:
            # Whatever was posted: the form has no centre field, and the centre is the administrator's.
            obj.centre_id = actor.centre_id
            do_create_account(actor=actor, account=obj, domain=request.get_host(), use_https=request.is_secure())
            self.message_user(request, gettext("A link to choose a password was sent to the new account's address."))

    def get_urls(self) -> list[URLPattern]:
        send_link = path(
            "<path:object_id>/send-password-link/",
            self.admin_site.admin_view(self.send_password_link_view),
            name="accounts_user_send_password_link",
        )
        reset_two_step = path(
            "<path:object_id>/reset-two-step/",
            self.admin_site.admin_view(self.reset_two_step_view),
            name="accounts_user_reset_two_step",
        )
        return [send_link, reset_two_step, *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        account = self.get_object(request, unquote(object_id))
        context = {
            **(extra_context or {}),
            # Not her own: an administrator removes her own app with a current code, like anyone.
            "can_reset_two_step": account.pk != request.user.pk and has_authenticator(account),
        }
        return super().change_view(request, object_id, form_url, context)

    def reset_two_step_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """POST: removes the account's authenticator apps and recovery codes (both lost), recorded and told."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        account = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, account) or account.pk == request.user.pk:
            raise PermissionDenied
        if has_authenticator(account):
            do_reset_two_step(actor=cast(User, request.user), account=account)
            self.message_user(
                request, gettext("Two-step sign-in is reset: the person sets up an app again at her next sign-in.")
            )
        else:
            self.message_user(request, gettext("This account has no two-step sign-in."), level=messages.ERROR)
        return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[account.pk]))

    def send_password_link_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """POST: mails the account's own address a link to choose a new password, recorded and announced."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        account = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        if account.is_active:
            with transaction.atomic():
                do_send_password_link(
                    actor=cast(User, request.user),
                    account=account,
                    domain=request.get_host(),
                    use_https=request.is_secure(),
                )
            self.message_user(request, gettext("A link to choose a new password was sent to the account's address."))
        else:
            self.message_user(request, gettext("Reactivate the account first."), level=messages.ERROR)
        return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[account.pk]))


@admin.register(AccountEvent)
class AccountEventAdmin(OwnCentreAdmin):
    """The record of account changes in the administrator's centre; read-only."""

    list_display = ["created_at", "subject", "kind", "old", "new", "actor"]
    list_filter = ["kind"]
    list_select_related = ["subject", "actor"]
    date_hierarchy = "created_at"

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(centre_id=_own_centre_id(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _own_centre_usernames(request: HttpRequest) -> QuerySet[User, str]:
    # A subquery: axes rows name an account by its (normalised) address, which is the stored e-mail.
    return User.objects.filter(centre_id=_own_centre_id(request)).values_list("email", flat=True)


class OwnCentreAccessAttemptAdmin(OwnCentreAdmin, AccessAttemptAdmin):
    """Lockouts of the own centre's accounts (counted by normalised address, accounts.lockout)."""

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(username__in=_own_centre_usernames(request))


class OwnCentreAccessLogAdmin(OwnCentreAdmin, AccessLogAdmin):
    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(username__in=_own_centre_usernames(request))


class OwnCentreAccessFailureLogAdmin(OwnCentreAdmin, AccessFailureLogAdmin):
    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(username__in=_own_centre_usernames(request))


class OwnCentreAuthTokenAdmin(OwnCentreAdmin):
    """The own centre's API tokens, to revoke (delete); knox's admin would let anyone mint a token for anyone."""

    list_display = ["user", "created", "expiry"]
    fields = ["user", "created", "expiry"]
    readonly_fields = ["user", "created", "expiry"]
    list_select_related = ["user"]

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(user__centre_id=_own_centre_id(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


for _model, _admin in [
    (AccessAttempt, OwnCentreAccessAttemptAdmin),
    (AccessLog, OwnCentreAccessLogAdmin),
    (AccessFailureLog, OwnCentreAccessFailureLogAdmin),
    (AuthToken, OwnCentreAuthTokenAdmin),
]:
    # axes and knox register admins of their own (INSTALLED_APPS lists them first); ours replace them.
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)


def _staff_sign_in(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin site signs in through the staff sign-in page, so that administrators enter their code too."""
    return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"), reverse("accounts:login"))


admin.site.login = _staff_sign_in  # type: ignore[method-assign]
admin.site.site_header = _("caseflow administration")
admin.site.site_title = _("caseflow administration")
