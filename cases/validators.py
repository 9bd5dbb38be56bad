"""Validators shared by the API serializers and the staff forms, so both refuse the same input."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 and C1 control characters; tab and line breaks are allowed where text may span lines.
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{7,30}$")


# Bidirectional overrides and isolates: they make text display as something else (U+202E).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def validate_single_line(value: str) -> None:
    if _CONTROL_SINGLE_LINE.search(value) or _BIDI.search(value):
        raise ValidationError(_("Control characters and line breaks are not allowed."), code="control")


def validate_multiline(value: str) -> None:
    if _CONTROL_MULTILINE.search(value) or _BIDI.search(value):
        raise ValidationError(_("Control characters are not allowed."), code="control")


def validate_phone(value: str) -> None:
    if value and not _PHONE.match(value):
        raise ValidationError(_("Enter a phone number: digits, spaces, +, - and brackets."), code="phone")


# A quantified group quantified again, "(a+)+" or "(\w*)*": the shape of catastrophic backtracking.
_NESTED_QUANTIFIER = re.compile(r"[+*}]\)[+*{?]")


def validate_ticket_pattern(value: str) -> None:
    """A platform's ticket-number pattern: a regular expression that compiles, without nested quantifiers
    (it runs on mail from outside, so a pattern that backtracks for ever would stall the inbound server)."""
    if not value:
        return
    try:
        re.compile(value)
    except re.error as error:
        raise ValidationError(_("Not a regular expression: %(error)s") % {"error": error}, code="regex") from None
    if _NESTED_QUANTIFIER.search(value):
        raise ValidationError(_("Nested repetition such as (a+)+ is not allowed."), code="regex")
