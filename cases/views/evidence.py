"""Evidence on the case page: uploading an image or a short video (hashed in the request, from memory),
viewing a kept file's copy without metadata, and adding the places that matching cases propose."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts.models import Role
from caseflow.uploads import MemoryOnlyUploadHandler, body_limit, use_memory_uploads
from cases import access
from cases.actions.errors import ActionError, NotAllowedError
from cases.actions.evidence import do_add_evidence, do_add_proposed_sightings
from cases.actions.hash_bank import do_share_hashes
from cases.actions.police import do_export_police_pack
from cases.audit import log_access
from cases.evidence_vault import unseal
from cases.hash_bank import export_lines
from cases.hashing import UploadRefusedError, hash_upload, too_large_message, upload_body_limit, upload_file_limit
from cases.models import AccessAction, Case
from cases.views.cases import render_case
from cases.views.common import address, refused, staff


def _evidence_page(request: HttpRequest, case: Case, message: str, status: int) -> HttpResponse:
    return render_case(request, case, status=status, evidence_error=message)


@csrf_protect
@login_required
@require_POST
def _upload(request: HttpRequest, pk: int, handler: MemoryOnlyUploadHandler) -> HttpResponse:
    user = staff(request)
    case = access.access_case(user, pk, write=True, queryset=Case.objects.select_related("assigned_to", "created_by"))
    try:
        upload = request.FILES.get("file")
    except MultiPartParserError:
        return _evidence_page(request, case, _("The upload could not be read; try again."), 400)
    if handler.too_large:
        return _evidence_page(request, case, too_large_message(), 413)
    if upload is None:
        return _evidence_page(request, case, _("Choose an image or a video to upload."), 400)
    data = upload.read()
    try:
        hashed = hash_upload(data)
    except UploadRefusedError as refusal:
        return _evidence_page(request, case, refusal.message, 413 if refusal.code == "too_large" else 400)
    try:
        added = do_add_evidence(actor=user, case=case, data=data, hashed=hashed)
    except ActionError as error:
        return refused(request, case.pk, error)
    if added.kept_now:
        messages.success(
            request, _("This file was already on this case with only its hashes. It is kept now, as she consented.")
        )
    elif not added.created:
        messages.info(request, _("This file was already uploaded to this case."))
    elif not hashed.hashes or hashed.quality < 50:
        messages.warning(request, _("Hashed, but the picture has too little detail to be matched (quality below 50)."))
    else:
        count = len({case_id for case_id, _d in added.matched.values()})
        messages.success(
            request,
            ngettext("Hashed. It matches %(count)d other case.", "Hashed. It matches %(count)d other cases.", count)
            % {"count": count}
            if count
            else _("Hashed. No other case of the centre has it."),
        )
    return redirect(reverse("cases:detail", args=[case.pk]) + "#evidence")


@csrf_exempt  # the CSRF check runs in _upload, once the body is read by the memory-only handler
@body_limit(upload_body_limit)
def case_upload_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """An image or a short video: hashed in memory; the file is kept only with the victim's consent."""
    handler = use_memory_uploads(request, upload_file_limit())
    return _upload(request, pk, handler)


@login_required
def case_evidence_file(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    """The kept file's copy without metadata, to look at; every showing is in the access log."""
    user = staff(request)
    case = access.access_case(user, pk)
    evidence = case.evidence.filter(pk=evidence_id, kept=True).select_related("file").first()
    if evidence is None:
        raise Http404
    if case.is_erased:
        # Its key was destroyed: the kept file can no longer be opened by anyone.
        raise Http404
    log_access(user=user, case=case, ip_address=address(request), action=AccessAction.EVIDENCE)
    response = HttpResponse(unseal(case, evidence.file.viewing), content_type=evidence.file.viewing_type)
    response["Content-Disposition"] = "inline"
    # The file alone in its tab: nothing in it may run or load anything but itself. The browser lays out
    # an image or video tab with inline styles of its own (refused under the site's policy, and harmless
    # in a sandboxed document that can run nothing).
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    return response


@login_required
@require_POST
def case_add_proposed_sightings(request: HttpRequest, pk: int) -> HttpResponse:
    """The places of matching cases that the counsellor ticked become places of this case."""
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    raw = request.POST.getlist("sighting")
    if not all(value.isascii() and value.isdigit() and len(value) < 19 for value in raw):
        messages.error(request, _("Reload the page and try again."))
        return redirect(reverse("cases:detail", args=[case.pk]) + "#evidence")
    try:
        results = do_add_proposed_sightings(actor=user, case=case, sighting_ids=[int(v) for v in raw])
    except NotAllowedError as error:
        raise PermissionDenied(error.message) from None
    except ActionError as error:
        return refused(request, case.pk, error)
    created = sum(1 for r in results if r.status == "created")
    messages.success(
        request, ngettext("%(count)d place added.", "%(count)d places added.", created) % {"count": created}
    )
    return redirect(reverse("cases:detail", args=[case.pk]) + "#sightings")


@login_required
@require_POST
def case_share_hashes(request: HttpRequest, pk: int) -> HttpResponse:
    """Shares the case's hashes with the national bank; refused (403, with the reason) without consent."""
    user = staff(request)
    case = access.access_case(user, pk, write=True)
    try:
        added = do_share_hashes(actor=user, case=case)
    except NotAllowedError as error:
        raise PermissionDenied(error.message) from None
    messages.success(
        request,
        ngettext(
            "%(count)d hash shared with the national bank.", "%(count)d hashes shared with the national bank.", added
        )
        % {"count": added},
    )
    return redirect(reverse("cases:detail", args=[case.pk]) + "#evidence")


@login_required
def hash_bank_export(request: HttpRequest) -> HttpResponse:
    """The centre's shared hashes for platforms' hash-matching programs: `PDQ hex,quality`, one a line.

    Supervisors only; every export is in the access log."""
    user = staff(request)
    access.cases_visible_to(user)  # administrators: 403 (no case data)
    if user.role != Role.SUPERVISOR:
        raise PermissionDenied(_("Only supervisors export the centre's shared hashes."))
    log_access(user=user, case=None, ip_address=address(request), action=AccessAction.EXPORT)
    response = HttpResponse("".join(export_lines(user.centre_id)), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pdq-hashes.txt"'
    return response


@login_required
@require_POST
def case_police_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed evidence pack for the police (ZIP: PDF, manifest, signature, public key)."""
    user = staff(request)
    case = access.access_case(user, pk, write=True, queryset=Case.objects.select_related("assigned_to", "created_by"))
    reason = request.POST.get("reason", "")[:500]
    try:
        pack = do_export_police_pack(actor=user, case=case, reason=reason, ip_address=address(request))
    except NotAllowedError as error:
        raise PermissionDenied(error.message) from None
    except ActionError as error:
        return _evidence_page(request, case, error.message, 400)
    response = HttpResponse(pack, content_type="application/zip")
    # A neutral name: the case reference is what the victim signs in with.
    response["Content-Disposition"] = 'attachment; filename="evidence-pack.zip"'
    return response
