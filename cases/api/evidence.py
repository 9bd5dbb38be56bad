"""Evidence of a case: /api/v1/cases/{id}/evidence/ lists the hashes and links, and takes an upload
(multipart `file`), hashed in the request from memory; the file is kept only with the victim's consent."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from caseflow.uploads import MemoryOnlyUploadHandler, body_limit, use_memory_uploads
from cases import access
from cases.actions.evidence import do_add_evidence
from cases.actions.hash_bank import do_share_hashes
from cases.api.common import client_address, user_of
from cases.audit import log_access
from cases.evidence_selectors import EvidenceRow, case_evidence
from cases.hashing import UploadRefusedError, hash_upload, too_large_message, upload_body_limit, upload_file_limit
from cases.models import BankHash, Case


def evidence_json(row: EvidenceRow) -> dict[str, Any]:
    evidence = row.evidence
    return {
        "id": evidence.pk,
        "kind": evidence.kind,
        "media_type": evidence.media_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "quality": evidence.quality,
        "matchable": row.matchable,
        "kept": evidence.kept,
        # Another centre shared a hash within distance 31 with the national bank; nothing more is said.
        "known_elsewhere": evidence.known_elsewhere,
        "created_at": evidence.created_at.isoformat(),
        "pdq": [{"second": h.second, "pdq": h.pdq, "quality": h.quality} for h in evidence.hashes.all()],
        "linked_cases": [
            {"id": link.case_id, "reference": link.reference, "distance": link.distance} for link in row.linked
        ],
        # Matching cases the caller may not open: counted, never named.
        "hidden_matches": row.hidden,
    }


class UploadSerializer(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField(help_text="An image (JPEG, PNG, GIF, WebP; 20 MB) or a short video (MP4, WebM).")


class CaseEvidenceView(APIView):
    """GET: the case's evidence and the places its matches propose. POST: upload and hash a file."""

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # Before anything reads the body: files into memory only, never a temporary file on disk.
        self._upload_handler = use_memory_uploads(request, upload_file_limit())
        return super().initialize_request(request, *args, **kwargs)

    def _case(self, request: Request, pk: int, *, write: bool = False) -> Case:
        return access.access_case(request.user, pk, write=write)

    @extend_schema(
        summary="Evidence of a case: hashes, matching cases, proposed places",
        responses={200: OpenApiResponse(description="`results` (evidence) and `proposals` (places).")},
    )
    def get(self, request: Request, pk: int) -> Response:
        case = self._case(request, pk)
        user = user_of(request)
        log_access(user=user, case=case, ip_address=client_address(request))
        found = case_evidence(user, case)
        proposals = [
            {"id": s.pk, "url": s.url, "host": s.host, "platform": s.platform.name, "case": s.case_id}
            for s in found.proposals
        ]
        return Response({"results": [evidence_json(row) for row in found.rows], "proposals": proposals})

    @extend_schema(
        summary="Upload an image or short video; only its hashes are kept without consent to keep evidence",
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: OpenApiResponse(description="The new evidence, its hashes and the cases it matches."),
            200: OpenApiResponse(description="The same file was already uploaded to this case."),
            400: OpenApiResponse(description="`file`: why it was refused."),
            413: OpenApiResponse(description="`file`: too large."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        case = self._case(request, pk, write=True)
        handler: MemoryOnlyUploadHandler = self._upload_handler
        try:
            upload = request.FILES.get("file")
        except (ParseError, MultiPartParserError):
            return Response({"file": [_("The upload could not be read; try again.")]}, status=400)
        if handler.too_large:
            return Response({"file": [too_large_message()]}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        if upload is None:
            return Response({"file": [_("Send the file as multipart form data, field `file`.")]}, status=400)
        data = upload.read()
        try:
            hashed = hash_upload(data)
        except UploadRefusedError as refusal:
            code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE if refusal.code == "too_large" else 400
            return Response({"file": [refusal.message], "code": refusal.code}, status=code)
        added = do_add_evidence(actor=user_of(request), case=case, data=data, hashed=hashed)
        rows = {row.evidence.pk: row for row in case_evidence(user_of(request), case).rows}
        body = evidence_json(rows[added.evidence.pk])
        return Response(
            {**body, "created": added.created}, status=status.HTTP_201_CREATED if added.created else status.HTTP_200_OK
        )


case_evidence_view = body_limit(upload_body_limit)(CaseEvidenceView.as_view())


class CaseShareHashesView(APIView):
    """POST: shares the case's hashes with the national bank (the victim's consent to hash matching)."""

    @extend_schema(
        summary="Share the case's hashes with the national hash bank",
        request=None,
        responses={
            200: OpenApiResponse(
                description="`shared`: hashes newly shared; `in_bank`: the case's hashes in the bank."
            ),
            403: OpenApiResponse(description="No consent to hash matching, or not the case's writer."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        case = access.access_case(request.user, pk, write=True)
        added = do_share_hashes(actor=user_of(request), case=case)
        return Response({"shared": added, "in_bank": BankHash.objects.filter(source__case=case).count()})
