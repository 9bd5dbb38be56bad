"""Forms of the victim's portal: short, plain, validated like the staff forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from cases.models import ContactChannel
from cases.validators import validate_multiline, validate_phone, validate_single_line


def _version() -> forms.IntegerField:
    """The case version the page showed: a save based on an older one is refused (409)."""
    return forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class SignInForm(forms.Form):
    reference = forms.CharField(
        label=_("Case number"),
        max_length=40,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    passphrase = forms.CharField(
        label=_("Passphrase (the six words you were given)"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class PlacesForm(forms.Form):
    text = forms.CharField(
        label=_("Addresses where you saw it again, one per line"),
        max_length=50 * 2100,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "autocomplete": "off"}),
        validators=[validate_multiline],
    )


class ContactForm(forms.Form):
    contact_channel = forms.ChoiceField(label=_("How we tell you that there is news"), choices=ContactChannel.choices)
    contact_email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)
    contact_phone = forms.CharField(
        label=_("Mobile number"), required=False, max_length=40, validators=[validate_phone]
    )
    quiet_start = forms.TimeField(
        label=_("Never contact me from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(label=_("until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    preferred_language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    version = _version()

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("contact_channel") == ContactChannel.EMAIL and not data.get("contact_email"):
            self.add_error("contact_email", _("Enter the e-mail address for news."))
        if data.get("contact_channel") == ContactChannel.SMS and not data.get("contact_phone"):
            self.add_error("contact_phone", _("Enter the mobile number for news."))
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            self.add_error("quiet_end", _("Give both times, or neither."))
        return data

    def clean_contact_email(self) -> str:
        return str(self.cleaned_data.get("contact_email") or "").strip().lower()


class ConsentsForm(forms.Form):
    consent_hash_matching = forms.BooleanField(
        label=_("You may compare fingerprints (hashes) of the images with other reports to find copies."),
        required=False,
    )
    consent_share_with_police = forms.BooleanField(
        label=_("You may share what you hold about my case with the police."), required=False
    )
    consent_keep_evidence = forms.BooleanField(
        label=_(
            "You may keep the images and videos of my case, encrypted, as evidence. Without this, only their "
            "fingerprints (hashes) are kept."
        ),
        required=False,
    )
    # Withdrawing the consent above deletes the kept files for good, so an unticked box is not enough:
    # a browser sends nothing for one, as it does for a page older than the box.
    confirm_delete_files = forms.BooleanField(
        label=_("I understand: the kept files are deleted now and cannot be recovered."), required=False
    )
    version = _version()

    def __init__(self, *args: Any, files_kept: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.files_kept = files_kept

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        withdrawn = self.files_kept and not data.get("consent_keep_evidence")
        if withdrawn and not data.get("confirm_delete_files"):
            self.add_error(
                "confirm_delete_files",
                _("To withdraw this consent, tick that you understand the kept files will be deleted."),
            )
        return data


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Anything you want to tell us (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_multiline],
    )
