"""Forms of the risk assessment, the on-call rota and the crisis numbers (beside cases/forms.py)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Role, User
from cases.models import Authority, ConsentMethod, ContactChannel, RiskLevel, Weekday
from cases.validators import validate_multiline, validate_phone, validate_single_line

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    StrOrPromise = str | _StrPromise

_SHORT_NUMBER = re.compile(r"^\+?[0-9][0-9 \-]{1,29}$")


def validate_crisis_number(value: str) -> None:
    """Crisis numbers are often three digits (109, 112), which a phone validator would refuse."""
    if not _SHORT_NUMBER.match(value):
        raise ValidationError(_("Enter a number: digits, spaces, + and -."), code="number")


def _text(label: StrOrPromise, *, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows, "autocomplete": "off"}),
        validators=[validate_multiline],
    )


class RiskAssessmentForm(forms.Form):
    """A new assessment (or a revision): the level, what was asked, the answer, the plan agreed."""

    level = forms.ChoiceField(label=_("Risk of harm"), choices=RiskLevel.choices)
    asked = _text(_("What was asked"))
    answer = _text(_("What she answered"))
    plan = _text(_("The plan agreed with her"), rows=3)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("level") not in (None, RiskLevel.NONE) and not (data.get("asked") or data.get("answer")):
            self.add_error("asked", _("Write what was asked or what she answered."))
        return data


class OnCallShiftForm(forms.Form):
    supervisor = forms.ModelChoiceField(label=_("Supervisor"), queryset=User.objects.none())
    weekday = forms.TypedChoiceField(label=_("Day"), choices=Weekday.choices, coerce=int)
    start_hour = forms.IntegerField(label=_("From (hour, 0–23)"), min_value=0, max_value=23)
    end_hour = forms.IntegerField(label=_("Until (hour, 1–24)"), min_value=1, max_value=24)
    phone = forms.CharField(
        label=_("Phone for text messages (optional)"),
        max_length=30,
        required=False,
        validators=[validate_single_line, validate_phone],
    )

    def __init__(self, *args: Any, centre_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supervisor"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared just above
        field.queryset = User.objects.filter(centre_id=centre_id, role=Role.SUPERVISOR, is_active=True).order_by(
            "full_name"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_hour"), data.get("end_hour")
        if start is not None and end is not None and start >= end:
            self.add_error("end_hour", _("The shift must end after it starts, within one day (a night is two shifts)."))
        return data


class CrisisLineForm(forms.Form):
    number = forms.CharField(label=_("Number to call"), max_length=30, validators=[validate_crisis_number])
    label_ko = forms.CharField(label=_("Name in Korean"), max_length=100, validators=[validate_single_line])
    label_en = forms.CharField(label=_("Name in English"), max_length=100, validators=[validate_single_line])


class GuardianForm(forms.Form):
    """A minor's guardian: how to reach them, whether it is safe to, and the consent they gave."""

    name = forms.CharField(label=_("Guardian's name"), max_length=200, validators=[validate_single_line])
    relationship = forms.CharField(
        label=_("Relationship to her"), max_length=100, required=False, validators=[validate_single_line]
    )
    contact_phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, validators=[validate_single_line, validate_phone]
    )
    contact_email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    preferred_language = forms.ChoiceField(label=_("Language for messages"), choices=Language.choices)
    safe_to_contact = forms.BooleanField(
        label=_("It is safe to contact the guardian"),
        required=False,
        help_text=_("Leave unticked unless you are sure: the guardian may be the person who hurt her."),
    )
    contact_channel = forms.ChoiceField(
        label=_("Tell the guardian of updates by"), choices=ContactChannel.choices, initial=ContactChannel.NONE
    )
    quiet_start = forms.TimeField(
        label=_("Never contact from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(label=_("until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    consent_given_by = forms.CharField(
        label=_("Consent given by"), max_length=200, required=False, validators=[validate_single_line]
    )
    consent_given_at = forms.DateTimeField(
        label=_("Consent given at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    consent_method = forms.ChoiceField(
        label=_("Consent given how"), choices=[("", "—"), *ConsentMethod.choices], required=False
    )
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("autocomplete", "off")

    def clean_contact_email(self) -> str:
        return str(self.cleaned_data["contact_email"]).strip().lower()

    def clean_consent_given_at(self) -> datetime | None:
        value: datetime | None = self.cleaned_data.get("consent_given_at")
        if value is not None and not 2000 <= value.year <= 2200:
            raise ValidationError(_("Enter a time between the years 2000 and 2200."))
        return value


class DutyReportForm(forms.Form):
    """The report that discharges a duty: to whom, when, by whom, their reference number."""

    authority = forms.ChoiceField(label=_("Reported to"), choices=Authority.choices)
    reported_at = forms.DateTimeField(
        label=_("Reported at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    reported_by = forms.ModelChoiceField(label=_("Reported by"), queryset=User.objects.none())
    reference_number = forms.CharField(
        label=_("Their reference number"), max_length=100, required=False, validators=[validate_single_line]
    )

    def __init__(self, *args: Any, centre_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reported_by"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared just above
        field.queryset = User.objects.filter(
            centre_id=centre_id, is_active=True, role__in=[Role.COUNSELLOR, Role.SUPERVISOR]
        ).order_by("full_name")

    def clean_reported_at(self) -> datetime:
        value: datetime = self.cleaned_data["reported_at"]
        if not 2000 <= value.year <= 2200:
            raise ValidationError(_("Enter a time between the years 2000 and 2200."))
        return value
