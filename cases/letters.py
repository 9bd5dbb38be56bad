"""Takedown letters: a per-platform, per-language template filled with the addresses and nothing
about the victim beyond what the platform needs (the addresses and the centre's reference)."""

from __future__ import annotations

from string import Template
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cases.models import TakedownRequest


def render_letter(takedown: TakedownRequest) -> tuple[str, str]:
    """(subject, body) for the request's platform and language, from the most specific template."""
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
        "reference": takedown.case.display_reference,
        "hours": str(takedown.platform.response_hours),
    }
    # safe_substitute: a stray "$" typed by an administrator stays as text instead of failing.
    return Template(letter.subject).safe_substitute(values), Template(letter.body).safe_substitute(values)
