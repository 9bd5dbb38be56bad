"""The evidence pack for the police: a PDF (Korean and English, Korean fonts) and a JSON manifest,
signed with the centre's Ed25519 key, in one ZIP.

The manifest lists the places (first seen, removed), the hashes of the evidence, the takedown requests
with the letters as sent and their history, and the chain of custody (every recorded change: who,
what, when). It carries the SHA-256 of the PDF, and `manifest.sig` is the Ed25519 signature of the
manifest's bytes, so one check covers both. The centre's public key is in the pack and printed in the
PDF; the police check the pack with OpenSSL alone:

    openssl pkeyutl -verify -pubin -inkey centre-public-key.pem -rawin -in manifest.json -sigfile manifest.sig
    sha256sum pack.pdf    # equals the manifest's pdf_sha256

Building it reads only; cases/actions/police.py checks consent, records the export and its reason.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from cases.exports import refuse_fetch
from cases.models import Case, CaseEvent, CentreSigningKey, Evidence, Sighting, TakedownRequest

FORMAT = "caseflow-evidence-pack/1"


def signing_key(centre_id: int) -> tuple[Ed25519PrivateKey, str]:
    """The centre's key pair, made on first use; the private key and the public key as PEM."""
    row = CentreSigningKey.objects.filter(centre_id=centre_id).first()
    if row is None:
        private = Ed25519PrivateKey.generate()
        seed = private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        public = (
            private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        try:
            with transaction.atomic():
                row = CentreSigningKey.objects.create(
                    centre_id=centre_id, private_key=base64.b64encode(seed).decode(), public_key=public
                )
        except IntegrityError:  # another export made it first
            row = CentreSigningKey.objects.get(centre_id=centre_id)
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(row.private_key))
    return private, row.public_key


def _at(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def manifest(case: Case, *, exported_by: User, reason: str) -> dict[str, Any]:
    """Everything the pack states, as data (the PDF shows the same)."""
    names = dict(User.objects.filter(centre_id=case.centre_id).values_list("id", "full_name"))
    places = [
        {
            "url": s.url,
            "platform": s.platform.name,
            "found_by": s.found_by,
            "first_seen": _at(s.created_at),
            "state": s.state,
            "removed_at": _at(s.removed_at),
            "last_checked_at": _at(s.last_checked_at),
        }
        for s in Sighting.objects.filter(case=case).select_related("platform").order_by("created_at", "pk")
    ]
    evidence = [
        {
            "sha256": e.sha256,
            "kind": e.kind,
            "media_type": e.media_type,
            "size": e.size,
            "uploaded_at": _at(e.created_at),
            "uploaded_by": names.get(e.created_by_id or 0, ""),
            "pdq": [{"second": h.second, "hash": h.pdq, "quality": h.quality} for h in e.hashes.all()],
        }
        for e in Evidence.objects.filter(case=case).prefetch_related("hashes").order_by("created_at", "pk")
    ]
    events = list(CaseEvent.objects.filter(case=case).order_by("created_at", "pk"))
    history: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        takedown = event.new.get("takedown") if isinstance(event.new, dict) else None
        if takedown is not None:
            history.setdefault(int(takedown), []).append(
                {"at": _at(event.created_at), "status": event.new.get("status", ""), "kind": event.kind}
            )
    takedowns = [
        {
            "token": t.token,
            "platform": t.platform.name,
            "status": t.status,
            "channel": t.channel,
            "sent_at": _at(t.sent_at),
            "sent_to": t.sent_to,
            "deadline_at": _at(t.deadline_at),
            "ticket_number": t.ticket_number,
            "answered_at": _at(t.closed_at),
            "letter_as_sent": {"subject": t.sent_subject, "body": t.sent_body} if t.sent_at else None,
            "history": history.get(t.pk, []),
        }
        for t in TakedownRequest.objects.filter(case=case).select_related("platform").order_by("created_at", "pk")
    ]
    custody = [
        {
            "at": _at(e.created_at),
            "by": names.get(e.actor_id or 0, "") if e.actor_kind == "user" else e.actor_kind,
            "what": e.kind,
            "old": e.old,
            "new": e.new,
        }
        for e in events
    ]
    return {
        "format": FORMAT,
        "case": case.display_reference,
        "victim": case.victim_name,
        "centre": case.centre.name,
        "exported_at": timezone.now().isoformat(),
        "exported_by": exported_by.full_name,
        "reason": reason,
        "places": places,
        "evidence": evidence,
        "takedowns": takedowns,
        "chain_of_custody": custody,
    }


def build(case: Case, *, exported_by: User, reason: str) -> tuple[bytes, str]:
    """The pack as ZIP bytes, and the SHA-256 of its manifest."""
    from weasyprint import HTML  # a heavy import, needed only here

    private, public_pem = signing_key(case.centre_id)
    data = manifest(case, exported_by=exported_by, reason=reason)
    fingerprint = hashlib.sha256(public_pem.encode()).hexdigest()
    context = {"m": data, "public_key": public_pem, "fp": fingerprint}
    with translation.override("ko"):
        html_ko = render_to_string("cases/police_pack.html", {**context, "language": "ko"})
    with translation.override("en"):
        html_en = render_to_string("cases/police_pack.html", {**context, "language": "en"})
    # The manifest holds addresses of content: nothing may be fetched while laying out (cases/exports.py).
    pdf = HTML(string=html_ko + html_en, url_fetcher=refuse_fetch, base_url="about:blank").write_pdf()
    data["pdf_sha256"] = hashlib.sha256(pdf).hexdigest()
    data["public_key_sha256"] = fingerprint
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    signature = private.sign(body)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", body)
        archive.writestr("manifest.sig", signature)
        archive.writestr("pack.pdf", pdf)
        archive.writestr("centre-public-key.pem", public_pem)
        archive.writestr("VERIFY.txt", VERIFY)
    return out.getvalue(), hashlib.sha256(body).hexdigest()


VERIFY = """Check this pack with OpenSSL (no secret needed):

  openssl pkeyutl -verify -pubin -inkey centre-public-key.pem -rawin -in manifest.json -sigfile manifest.sig
  sha256sum pack.pdf     (must equal pdf_sha256 in manifest.json)

The public key's SHA-256 is printed in pack.pdf and in manifest.json (public_key_sha256).
"""
