"""Takedown letters: a per-platform, per-language template filled with the addresses and nothing
about the victim, and the e-mail that carries one to a platform.

A letter quotes the request's random token, never the case reference: the reference is what the
victim signs in to the portal with, and a platform has no need of it (DESIGN.md, "Privacy by design").
"""

from __future__ import annotations

import secrets
from email.utils import formataddr
from string import Template
from typing import TYPE_CHECKING

from django.core.mail import EmailMessage

if TYPE_CHECKING:
    from accounts.models import Centre
    from cases.models import Case, TakedownRequest


def render_letter(takedown: TakedownRequest) -> tuple[str, str]:
    """(subject, body) for the request's platform and language, from the most specific template.

    Placeholders: $platform, $urls, $count, $legal_basis, $centre, $token, $hours.
    """
    from cases.models import LetterTemplate

    letters = LetterTemplate.objects.filter(language=takedown.language)
    letter = letters.filter(platform=takedown.platform).first() or letters.filter(platform__isnull=True).first()
    if letter is None:
        raise LookupError(f"no letter template for language {takedown.language!r}")
    urls = [item.sighting.url for item in takedown.items.select_related("sighting").order_by("sighting_id")]
    values = {
        "platform": takedown.platform.name,
        "urls": "\n".join(urls),
        "count": str(len(urls)),
        "legal_basis": letter.legal_basis,
        "centre": takedown.case.centre.name,
        "token": takedown.token,
        "hours": str(takedown.platform.response_hours),
    }
    # safe_substitute: a stray "$" typed by an administrator stays as text instead of failing.
    return Template(letter.subject).safe_substitute(values), Template(letter.body).safe_substitute(values)


def normalise_body(body: str) -> str:
    """Line ends as the letter is kept: LF only (a browser sends CRLF, and mail ends lines its own way)."""
    return body.replace("\r\n", "\n").replace("\r", "\n")


def as_mailed(body: str) -> str:
    """The body exactly as the e-mail carries it: the MIME encoder ends every text with a line end, so
    the copy kept as sent ends with one too, and what is recorded is what left."""
    body = normalise_body(body)
    return body if body.endswith("\n") else body + "\n"


def names_case_reference(case: Case, *texts: str) -> bool:
    """Whether any text quotes the case reference, with or without its dash, in any case."""
    spellings = {case.reference.upper(), case.display_reference.upper()}
    return any(spelling in text.upper() for text in texts for spelling in spellings)


def new_message_id(centre: Centre, token: str) -> str:
    """A Message-ID of the centre's sending domain; it starts with the token, so a reply's
    In-Reply-To names the request too, and nothing else in it says anything."""
    domain = centre.letters_from.rpartition("@")[2]
    return f"<{token.lower()}.{secrets.token_hex(8)}@{domain}>"


def letter_email(takedown: TakedownRequest, centre: Centre) -> EmailMessage:
    """The e-mail of a letter that was queued: the copy kept as sent, byte for byte, from the centre's
    address to where it was recorded to go, with the recorded Message-ID and the centre's reply address."""
    return EmailMessage(
        subject=takedown.sent_subject,
        body=takedown.sent_body,
        from_email=formataddr((centre.name, centre.letters_from)),
        to=[takedown.sent_to],
        reply_to=[centre.inbound_address or centre.letters_from],
        headers={"Message-ID": takedown.message_id},
    )
