"""The victim's rights: everything held about her exported (JSON, PDF) by staff who may read the case,
audited; her case erased on her request, a counsellor's request approved by a supervisor."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from cases.actions.keys import do_destroy_case_key
from cases.models import AccessAction, AccessLog, Case, CaseEvent, ErasureRequest, EventKind, Note, PurgeRecord
from tests.cases.test_purge import full_case
from tests.pdf import inflated_streams

pytestmark = pytest.mark.django_db


def test_it_exports_everything_held_as_json(api_as, alice: User, carol: User) -> None:
    case = full_case(alice, carol)
    answer = api_as(alice).post(f"/api/v1/cases/{case.pk}/export/", {"format": "json"}, format="json")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/json")
    assert "no-store" in answer["Cache-Control"]
    assert case.reference in answer["Content-Disposition"] and "김민지" not in answer["Content-Disposition"]
    data = json.loads(answer.content)
    held = data["subjects"]
    assert held["case"][0]["victim_name"] == "김민지 테스트"
    assert held["notes"][0]["body"] == "She called; shared note."
    assert {row["url"] for row in held["sightings"]} == {"https://t.me/room/77", "https://x.com/u/status/77"}
    assert held["takedowns"][0]["places"] and held["followups"] and held["portal_access"]
    assert held["closure_requests"][0]["reason"] == "Done."
    assert held["risk"][0]["answer"] == "Not sure."
    assert "passphrase_hash" not in json.dumps(held)
    log = AccessLog.objects.get(action=AccessAction.EXPORT)
    assert (log.user, log.case_id, log.case_reference) == (alice, case.pk, case.reference)
    event = CaseEvent.objects.get(case=case, kind=EventKind.EXPORTED)
    assert (event.actor, event.new) == (alice, {"format": "json"})


def _unicode_in_pdf(pdf: bytes) -> tuple[set[str], set[bytes]]:
    """The characters the PDF's fonts map to (ToUnicode CMaps) and the names of its embedded fonts."""
    characters: set[str] = set()
    fonts: set[bytes] = set()
    for text in inflated_streams(pdf):
        fonts.update(re.findall(rb"/FontName\s*/[A-Z]{6}\+([^\s/]+)", text))
        for hexes in re.findall(rb"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]{4,})>", text):
            value = hexes.decode()
            characters.update(chr(int(value[i : i + 4], 16)) for i in range(0, len(value), 4))
    return characters, fonts


def test_it_exports_a_pdf_in_korean_with_a_korean_font(client_as, alice: User, carol: User) -> None:
    case = full_case(alice, carol)
    answer = client_as(alice).post(f"/cases/{case.pk}/export/", {"format": "pdf"})
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    pdf = answer.content
    assert pdf.startswith(b"%PDF-")
    characters, fonts = _unicode_in_pdf(pdf)
    assert set("김민지테스트") <= characters  # the victim's name, as glyphs that copy back as Hangul
    assert set("사건") <= characters  # the headings, in the page's language
    assert any(name.startswith(b"Noto-Sans-CJK-KR") for name in fonts), fonts
    assert AccessLog.objects.filter(action=AccessAction.EXPORT, case=case).count() == 1
    assert CaseEvent.objects.get(case=case, kind=EventKind.EXPORTED).new == {"format": "pdf"}


def test_it_fetches_nothing_while_rendering_the_pdf(client_as, alice: User, carol: User) -> None:
    case = full_case(alice, carol)
    # Saved on the row: only saving seals a value with the case's key (an update() is refused).
    note = Note.objects.filter(case=case).earliest("pk")
    note.body = '<img src="file:///etc/passwd"><link rel=stylesheet href="http://10.0.0.1/x.css">'
    note.save(update_fields=["body"])
    answer = client_as(alice).post(f"/cases/{case.pk}/export/", {"format": "pdf"})
    assert answer.status_code == 200
    assert b"root:x:0:0" not in answer.content


def test_it_refuses_an_unknown_format_and_logs_nothing(api_as, client_as, alice: User, alices_case: Case) -> None:
    assert (
        api_as(alice).post(f"/api/v1/cases/{alices_case.pk}/export/", {"format": "docx"}, format="json").status_code
        == 400
    )
    assert client_as(alice).post(f"/cases/{alices_case.pk}/export/", {"format": "PDF "}).status_code == 400
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()
    assert not CaseEvent.objects.filter(kind=EventKind.EXPORTED).exists()


def test_it_exports_for_those_who_may_read_the_case_only(
    api_as, bob: User, dave: User, erin: User, alices_case
) -> None:
    for user, status in ((bob, 404), (dave, 404), (erin, 403)):
        answer = api_as(user).post(f"/api/v1/cases/{alices_case.pk}/export/", {"format": "json"}, format="json")
        assert answer.status_code == status
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


def test_it_waits_for_a_supervisor_to_erase_on_a_counsellors_request(api_as, alice: User, carol: User) -> None:
    case = full_case(alice, carol)
    assert api_as(alice).get(f"/api/v1/cases/{case.pk}/").status_code == 200
    asked = api_as(alice).post(f"/api/v1/cases/{case.pk}/erasure/", {"reason": "She called on 28 Nov."}, format="json")
    assert asked.status_code == 202
    assert Case.objects.filter(pk=case.pk).exists()
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ERASURE_REQUESTED).exists()
    again = api_as(alice).post(f"/api/v1/cases/{case.pk}/erasure/", {"reason": "Again."}, format="json")
    assert again.status_code == 400
    decided = api_as(carol).post(f"/api/v1/cases/{case.pk}/erasure/", {"decision": "approve"}, format="json")
    assert decided.status_code == 200, decided.content
    assert not Case.objects.filter(pk=case.pk).exists() and not Note.objects.exists()
    record = PurgeRecord.objects.get(case_reference=case.reference)
    assert (record.kind, record.requested_by, record.approved_by) == ("erasure", alice, carol)
    assert record.reason == "She called on 28 Nov."
    assert AccessLog.objects.filter(case_reference=case.reference, case__isnull=True).exists()


def test_it_erases_at_once_on_a_supervisors_request(api_as, alice: User, carol: User, alices_case: Case) -> None:
    answer = api_as(carol).post(f"/api/v1/cases/{alices_case.pk}/erasure/", {"reason": "She asked."}, format="json")
    assert answer.status_code == 200
    assert answer.json()["case_reference"] == alices_case.reference
    assert not Case.objects.filter(pk=alices_case.pk).exists()


def test_it_declines_an_erasure_with_a_reason(api_as, alice: User, carol: User, alices_case: Case) -> None:
    api_as(alice).post(f"/api/v1/cases/{alices_case.pk}/erasure/", {"reason": "She asked."}, format="json")
    bare = api_as(carol).post(f"/api/v1/cases/{alices_case.pk}/erasure/", {"decision": "decline"}, format="json")
    assert bare.status_code == 400 and "reason" in bare.json()
    declined = api_as(carol).post(
        f"/api/v1/cases/{alices_case.pk}/erasure/",
        {"decision": "decline", "reason": "Police asked to keep it."},
        format="json",
    )
    assert declined.status_code == 204
    assert Case.objects.filter(pk=alices_case.pk).exists() and not ErasureRequest.objects.exists()
    assert CaseEvent.objects.get(case=alices_case, kind=EventKind.ERASURE_DECLINED).reason == "Police asked to keep it."


def test_it_leaves_erasure_to_those_who_may_change_the_case(api_as, alice, bob, dave, erin, alices_case) -> None:
    body = {"reason": "She asked."}
    assert api_as(bob).post(f"/api/v1/cases/{alices_case.pk}/erasure/", body, format="json").status_code == 404
    assert api_as(dave).post(f"/api/v1/cases/{alices_case.pk}/erasure/", body, format="json").status_code == 404
    assert api_as(erin).post(f"/api/v1/cases/{alices_case.pk}/erasure/", body, format="json").status_code == 403
    decide = {"decision": "approve"}
    assert api_as(alice).post(f"/api/v1/cases/{alices_case.pk}/erasure/", decide, format="json").status_code == 400
    assert (
        api_as(alice).post(f"/api/v1/cases/{alices_case.pk}/erasure/", {"reason": " "}, format="json").status_code
        == 400
    )
    assert Case.objects.filter(pk=alices_case.pk).exists() and not ErasureRequest.objects.exists()


def test_it_asks_first_on_the_page_and_erases_once_confirmed(client_as, alice: User, carol: User, alices_case) -> None:
    client = client_as(carol)
    first = client.post(f"/cases/{alices_case.pk}/erasure/", {"reason": "She asked."})
    assert first.status_code == 200 and 'id="confirm-yes"' in first.content.decode()
    assert Case.objects.filter(pk=alices_case.pk).exists()
    done = client.post(f"/cases/{alices_case.pk}/erasure/", {"reason": "She asked.", "confirmed": "1"})
    assert done.status_code == 302
    assert not Case.objects.filter(pk=alices_case.pk).exists()
    victim = Client()
    assert victim.get(f"/cases/{alices_case.pk}/").status_code == 302


def test_an_erased_case_takes_no_more_writes_but_the_acknowledgement(api_as, alice: User, carol: User) -> None:
    """Writes that carry no encrypted text (a level of risk, a crime in progress and its reminders) are
    refused too, with the same words; a supervisor still acknowledges the raised escalation."""
    case = full_case(alice, carol)
    do_destroy_case_key(actor=carol, case=case, reason="She asked for erasure")
    events = CaseEvent.objects.filter(case=case).count()
    risks, duties = case.risk_assessments.count(), case.legal_duties.count()
    api = api_as(carol)
    for path, body in (("risk/", {"level": "none"}), ("duties/", {"kind": "crime_in_progress"})):
        answer = api.post(f"/api/v1/cases/{case.pk}/{path}", body, format="json")
        assert answer.status_code == 400, (path, answer.json())
        assert "파기된 사건입니다" in str(answer.json()), answer.json()
    assert (case.risk_assessments.count(), case.legal_duties.count()) == (risks, duties)
    escalation = case.escalations.get()
    acknowledged = api.post(f"/api/v1/cases/{case.pk}/risk/acknowledge/", {"escalation": escalation.pk}, format="json")
    assert acknowledged.status_code == 200 and acknowledged.json()["state"] == "acknowledged"
    assert CaseEvent.objects.filter(case=case).count() == events + 1


def test_an_erased_cases_page_offers_nothing_but_finishing_the_erasure(client_as, alice: User, carol: User) -> None:
    """A case whose key was destroyed but whose rows are not purged yet (a purge stopped half-way) can no
    longer be read or changed: its page, for her counsellor and her supervisor, keeps only the export of
    what is left and the erasure to finish (and a raised risk escalation's acknowledgement); no edit
    link, no status buttons, no form to add anything."""
    case = full_case(alice, carol)

    def actions(user: User) -> set[str]:
        html = client_as(user).get(f"/cases/{case.pk}/").content.decode()
        return set(re.findall(rf'<form method="post" action="(/cases/{case.pk}/[^"]*)"', html)) | (
            {"edit"} if f'href="/cases/{case.pk}/edit/"' in html else set()
        )

    before = actions(alice)
    assert {"edit", reverse("cases:add_note", args=[case.pk]), reverse("cases:transition", args=[case.pk])} <= before
    do_destroy_case_key(actor=carol, case=case, reason="She asked for erasure")
    left = {reverse("cases:export", args=[case.pk]), reverse("cases:request_erasure", args=[case.pk])}
    assert actions(alice) == left
    # A supervisor may still acknowledge a raised risk escalation: the calls to the on-call stop then.
    acknowledge = {reverse("cases:acknowledge_escalation", args=[case.pk, e.pk]) for e in case.escalations.all()}
    assert actions(carol) == left | acknowledge
