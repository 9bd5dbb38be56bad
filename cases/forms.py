"""Forms of the staff pages; they validate like the API serializers and hand clean data to actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Role, User
from cases.models import (
    REPLY_OUTCOMES,
    TAKEDOWN_ITEMS,
    ContactChannel,
    ContentKind,
    FoundBy,
    HarmType,
    NoteKind,
    NoteVisibility,
    Partner,
    PartnerKind,
    Priority,
    ReferralStatus,
    RequestChannel,
    SharedItem,
    SightingState,
    Status,
    TakedownStatus,
)
from cases.validators import validate_multiline, validate_phone, validate_single_line


class CaseDetailsForm(forms.Form):
    """The victim's details and what happened: the intake form, and the edit form with `version`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Shared computers at a centre: the browser must not remember a victim's name or number.
        for field in self.fields.values():
            field.widget.attrs.setdefault("autocomplete", "off")

    victim_name = forms.CharField(label=_("Name"), max_length=200, validators=[validate_single_line])
    contact_phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, validators=[validate_single_line, validate_phone]
    )
    contact_email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    safe_contact_notes = forms.CharField(
        label=_("When and how it is safe to contact"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_multiline],
    )
    preferred_language = forms.ChoiceField(label=_("Language for messages"), choices=Language.choices)
    is_minor = forms.BooleanField(label=_("The victim is a minor"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    harm_types = forms.MultipleChoiceField(
        label=_("What happened"), choices=HarmType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        validators=[validate_multiline],
    )
    consent_contact = forms.BooleanField(label=_("Agrees to be contacted"), required=False)
    consent_share_with_police = forms.BooleanField(label=_("Agrees to sharing with the police"), required=False)
    consent_hash_matching = forms.BooleanField(label=_("Agrees to image hash matching"), required=False)
    consent_keep_evidence = forms.BooleanField(
        label=_("Agrees that uploaded images and videos are kept (encrypted), not only their hashes"), required=False
    )
    contact_channel = forms.ChoiceField(
        label=_("Tell the victim of updates by"),
        choices=ContactChannel.choices,
        initial=ContactChannel.NONE,
        required=False,
    )
    quiet_start = forms.TimeField(
        label=_("Never contact from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(label=_("until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def clean_contact_email(self) -> str:
        return str(self.cleaned_data["contact_email"]).strip().lower()

    def clean_contact_channel(self) -> str:
        return str(self.cleaned_data.get("contact_channel") or ContactChannel.NONE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel = data.get("contact_channel")
        if channel == ContactChannel.EMAIL and not data.get("contact_email"):
            self.add_error("contact_channel", _("Updates by e-mail need an e-mail address."))
        if channel == ContactChannel.SMS and not data.get("contact_phone"):
            self.add_error("contact_channel", _("Updates by SMS need a phone number."))
        return data


class IntakeForm(CaseDetailsForm):
    # Set when the counsellor has seen the possible duplicates and files the case anyway.
    confirm_duplicates = forms.BooleanField(required=False, widget=forms.HiddenInput)


class EditCaseForm(CaseDetailsForm):
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=NoteKind.choices, initial=NoteKind.SESSION)
    visibility = forms.ChoiceField(label=_("Who sees it"), choices=NoteVisibility.choices)
    body = forms.CharField(
        label=_("Note"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 4}), validators=[validate_multiline]
    )


class FollowUpForm(forms.Form):
    due_at = forms.DateTimeField(
        label=_("Remind me at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    note = forms.CharField(label=_("What to do"), max_length=2000, required=False, validators=[validate_multiline])

    def clean_due_at(self) -> datetime:
        due_at: datetime = self.cleaned_data["due_at"]
        if not 2000 <= due_at.year <= 2200:
            raise forms.ValidationError(_("Enter a time between the years 2000 and 2200."))
        return due_at


class FollowUpDoneForm(forms.Form):
    """Marks a follow-up done; `version` is the one the page showed."""

    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class FollowUpSnoozeForm(forms.Form):
    """Moves a follow-up to a chosen later time; `version` is the one the page showed."""

    until = forms.DateTimeField(
        label=_("Remind me again at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)

    def clean_until(self) -> datetime:
        until: datetime = self.cleaned_data["until"]
        if not 2000 <= until.year <= 2200:
            raise forms.ValidationError(_("Enter a time between the years 2000 and 2200."))
        return until


class SightingStateForm(forms.Form):
    """Marks a place removed or back online; `version` is the one the page showed."""

    state = forms.ChoiceField(choices=SightingState.choices)
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class ClosureRequestForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, validators=[validate_single_line])


class ClosureDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("decline", "decline")])
    reason = forms.CharField(max_length=500, required=False, validators=[validate_single_line])
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class RetentionForm(forms.Form):
    """A supervisor keeps a closed case longer: the new last day, and why."""

    until = forms.DateField(label=_("Keep until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Why it is kept longer"),
        max_length=500,
        validators=[validate_multiline],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the case's history. No details of the victim."),
    )
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


def parse_month(value: str) -> date:
    """`YYYY-MM` between 2000 and 2200, as the first day of that month."""
    text = value.strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4].isascii() and text[:4].isdigit() and text[5:].isdigit()):
        raise forms.ValidationError(_("Enter a month as YYYY-MM."))
    year, month = int(text[:4]), int(text[5:])
    if not 2000 <= year <= 2200 or not 1 <= month <= 12:
        raise forms.ValidationError(_("Enter a month between 2000-01 and 2200-12."))
    return date(year, month, 1)


class MonthField(forms.Field):
    """A month as `YYYY-MM` (the browser's month input), cleaned to its first day."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month", "pattern": "[0-9]{4}-[0-9]{2}"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> date | None:
        text = str(value or "").strip()
        return parse_month(text) if text else None


class AccessLogFilterForm(forms.Form):
    """The supervisor's access-log page: a month (this one when not given) and, optionally, one person."""

    month = MonthField(label=_("Month"), required=False)
    user = forms.ModelChoiceField(label=_("Staff member"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, centre_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(centre_id=centre_id).exclude(role=Role.ADMIN).order_by("full_name")
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = staff
        field.empty_label = _("Everyone")


class AccessReviewForm(forms.Form):
    month = MonthField(label=_("Month"))
    note = forms.CharField(
        label=_("Note (optional)"), max_length=500, required=False, validators=[validate_single_line]
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[("json", "JSON"), ("pdf", "PDF")])


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("How and when she asked"),
        max_length=500,
        validators=[validate_single_line],
        help_text=_("Kept in the record of the erasure. No details of the victim."),
    )


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("decline", "decline")])
    reason = forms.CharField(max_length=500, required=False, validators=[validate_single_line])


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False, validators=[validate_multiline])
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class AssignForm(forms.Form):
    """A supervisor picks a member of the centre's staff, or nobody (back to the intake queue)."""

    assigned_to = forms.ModelChoiceField(
        label=_("Assign to"), queryset=User.objects.none(), required=False, empty_label=_("Nobody (intake queue)")
    )
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, centre_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assigned_to"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared just above
        field.queryset = User.objects.filter(
            centre_id=centre_id, is_active=True, role__in=[Role.COUNSELLOR, Role.SUPERVISOR]
        ).order_by("full_name")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name, phone, e-mail or reference"), max_length=254, validators=[validate_single_line])


class BulkSightingsForm(forms.Form):
    """Pasted addresses, one per line, with the flags they share."""

    text = forms.CharField(
        label=_("Addresses, one per line"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        max_length=3_000_000,
    )
    found_by = forms.ChoiceField(label=_("Found by"), choices=FoundBy.choices, initial=FoundBy.COUNSELLOR)
    content_kind = forms.ChoiceField(
        label=_("Content"),
        choices=[("", _("Guess from the site")), *ContentKind.choices],
        initial="",
        required=False,
    )
    is_synthetic = forms.BooleanField(label=_("Synthetic (deepfake)"), required=False)
    exposes_personal_info = forms.BooleanField(label=_("Exposes personal information"), required=False)


class LetterForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300, validators=[validate_single_line])
    body = forms.CharField(
        label=_("Letter"),
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 16}),
        validators=[validate_multiline],
    )
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class SendLetterForm(LetterForm):
    """The draft's letter with what sending it needs: save, send by e-mail, or confirm a web form."""

    # Which button: the first (Save) is also what Enter in the subject line presses.
    do = forms.ChoiceField(choices=[("save", "save"), ("send", "send"), ("submitted", "submitted")], required=False)
    recipient = forms.EmailField(
        label=_("Send to"),
        max_length=254,
        required=False,
        help_text=_("This site has no address in the platform directory: give its abuse contact."),
    )
    ticket_number = forms.CharField(
        label=_("Platform's ticket number (optional)"),
        max_length=200,
        required=False,
        validators=[validate_single_line],
    )


class TakedownTransitionForm(forms.Form):
    status = forms.ChoiceField(choices=TakedownStatus.choices)
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    channel = forms.ChoiceField(choices=[("", "—"), *RequestChannel.choices], required=False)
    ticket_number = forms.CharField(
        label=_("Platform's ticket number"), max_length=200, required=False, validators=[validate_single_line]
    )
    removed_sightings = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=[])
    note = forms.CharField(label=_("Note"), max_length=500, required=False, validators=[validate_multiline])

    def __init__(self, *args: Any, sighting_ids: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["removed_sightings"]
        assert isinstance(field, forms.TypedMultipleChoiceField)  # noqa: S101 - declared just above
        field.choices = [(str(pk), str(pk)) for pk in sighting_ids or []]


class ReferralForm(forms.Form):
    """A referral proposed on the case page: a partner of the centre, why, and each item shared ticked."""

    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none())
    reason = forms.CharField(
        label=_("Why refer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), validators=[validate_multiline]
    )
    shared_items = forms.MultipleChoiceField(
        label=_("What is shared (only what the partner needs)"),
        choices=[(value, label) for value, label in SharedItem.choices if value not in TAKEDOWN_ITEMS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    no_contact_reason = forms.CharField(
        label=_("Why without the victim's consent to be contacted"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_multiline],
    )

    def __init__(self, *args: Any, centre_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared just above
        # The regulator is reached by escalating an overdue takedown request, not from here.
        field.queryset = (
            Partner.objects.filter(centre_id=centre_id, is_active=True)
            .exclude(kind=PartnerKind.REGULATOR)
            .order_by("kind", "name")
        )


class ReferralTransitionForm(forms.Form):
    status = forms.ChoiceField(choices=ReferralStatus.choices)
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Outcome"), max_length=2000, required=False, validators=[validate_multiline])


class ReplyDecisionForm(forms.Form):
    """What is done with a platform's reply: its outcome confirmed, dismissed, or attached to a request."""

    do = forms.ChoiceField(choices=[("confirm", "confirm"), ("dismiss", "dismiss"), ("attach", "attach")])
    status = forms.ChoiceField(choices=[("", "—"), *((s.value, s.label) for s in REPLY_OUTCOMES)], required=False)
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, required=False, widget=forms.HiddenInput)
    token = forms.CharField(label=_("Request token"), max_length=20, required=False, validators=[validate_single_line])


class KeepAttachmentsForm(forms.Form):
    keep = forms.BooleanField(required=False)
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
