"""The victim's export as a file: JSON as it is, or a PDF of it laid out by a template (WeasyPrint).

Why WeasyPrint: it renders the same Django template as HTML with CSS, shapes text with Pango and
HarfBuzz and finds fonts through fontconfig, so Korean comes out in Noto Sans CJK KR (Debian's
fonts-noto-cjk) with correct line breaks, embedded and subset, with nothing drawn by hand. It needs
Pango from the system (Debian: libpango-1.0-0, libpangoft2-1.0-0; `.ci/run` installs them).

Nothing is fetched while rendering: the exported data holds addresses of content, and a URL that
reached the renderer as a link or an image must never be requested from the server, nor a local file
read. The fetcher below refuses every URL.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.template.loader import render_to_string

from cases import subjects


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError("the export renders no external resource")


def render_pdf(data: dict[str, Any], *, language: str) -> bytes:
    import weasyprint  # a heavy import, paid only by an export

    headings = subjects.labels()
    sections = [(headings.get(name, name), rows) for name, rows in data["subjects"].items()]
    html = render_to_string("cases/export.html", {"data": data, "sections": sections, "language": language})
    document = weasyprint.HTML(string=html, url_fetcher=refuse_fetch, base_url="about:blank")
    return bytes(document.write_pdf())


def export_response(data: dict[str, Any], fmt: str, reference: str, *, language: str) -> HttpResponse:
    """The file itself: a download named by the case reference only, never kept by a cache."""
    if fmt == "pdf":
        response = HttpResponse(render_pdf(data, language=language), content_type="application/pdf")
    else:
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(text.encode(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="caseflow-{reference}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
