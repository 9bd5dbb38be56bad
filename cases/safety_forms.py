"""Forms of the risk assessment, the on-call rota and the crisis numbers (beside cases/forms.py)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from cases.models import RiskLevel, Weekday
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
