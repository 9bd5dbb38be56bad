"""The victim's portal: sign-in that tells nothing, her own session, her own case, and what she may do."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import do_add_note, do_transition_case
from cases.actions.portal import IssuedAccess, do_issue_portal_access, do_revoke_portal_access
from cases.actions.sightings import do_add_sightings
from cases.models import (
    AccessLog,
    Case,
    CaseEvent,
    ClosureRequest,
    Evidence,
    EvidenceFile,
    EvidenceHash,
    PortalAccess,
    PortalSession,
    Sighting,
)
from cases.passphrases import wordlist
from notifications.models import Notification
from tests.cases.conftest import open_case
from tests.evidence_media import jpeg

pytestmark = pytest.mark.django_db

PORTAL = "/portal/"


def _sign_in(client: Client, reference: str, passphrase: str, address: str = "10.1.1.1"):
    return client.post(PORTAL, {"reference": reference, "passphrase": passphrase}, REMOTE_ADDR=address)


@pytest.fixture
def issued(alice: User, alices_case: Case) -> IssuedAccess:
    return do_issue_portal_access(actor=alice, case=alices_case)


@pytest.fixture
def victim(issued: IssuedAccess) -> Client:
    """A browser signed in to the portal as alices_case's victim."""
    client = Client()
    response = _sign_in(client, issued.reference, issued.passphrase)
    assert response.status_code == 302 and response["Location"] == "/portal/case/"
    return client


def test_it_issues_six_words_in_the_victims_language_stored_only_as_argon2(alice: User) -> None:
    korean = open_case(alice, preferred_language="ko")
    english = open_case(alice, preferred_language="en", contact_phone="010-0000-1111")
    for case, language in [(korean, "ko"), (english, "en")]:
        issued = do_issue_portal_access(actor=alice, case=case)
        words = issued.passphrase.split(" ")
        assert len(words) == 6 and set(words) <= set(wordlist(language))
        row = PortalAccess.objects.get(pk=issued.access.pk)
        assert identify_hasher(row.passphrase_hash).algorithm == "argon2"
        assert issued.passphrase not in row.passphrase_hash
        # Words of five letters or more: a shorter one turns up by chance in the salt and hash (base64).
        assert all(word not in row.passphrase_hash for word in words if len(word) >= 5)


def test_it_shows_the_passphrase_once_on_the_case_page(client_as, alice: User, alices_case: Case) -> None:
    client = client_as(alice)
    response = client.post(f"/cases/{alices_case.pk}/portal/issue/")
    assert response.status_code == 200
    shown = re.search(r'id="portal-passphrase"[^>]*>([^<]+)<', response.content.decode())
    assert shown is not None
    passphrase = shown.group(1)
    assert len(passphrase.split()) == 6
    assert "no-store" in response["Cache-Control"]
    page = client.get(f"/cases/{alices_case.pk}/").content.decode()
    assert passphrase not in page
    assert not any(passphrase in str(event.new) for event in CaseEvent.objects.filter(case=alices_case))


def test_it_lets_only_the_cases_writers_issue_access(client_as, bob: User, dave: User, alices_case: Case) -> None:
    assert client_as(bob).post(f"/cases/{alices_case.pk}/portal/issue/").status_code == 404
    assert client_as(dave).post(f"/cases/{alices_case.pk}/portal/issue/").status_code == 404
    assert not PortalAccess.objects.exists()


def test_it_signs_in_with_the_words_however_they_are_typed(issued: IssuedAccess) -> None:
    typed = "  " + unicodedata.normalize("NFD", issued.passphrase.upper()).replace(" ", "   ") + " "
    reference = issued.reference.lower().replace("-", " ")
    response = _sign_in(Client(), reference, typed)
    assert response.status_code == 302


def test_it_answers_a_wrong_reference_a_wrong_passphrase_and_revoked_access_alike(
    alice: User, alices_case: Case, issued: IssuedAccess
) -> None:
    other = open_case(alice, victim_name="박서연", contact_phone="010-5555-0000")
    revoked = do_issue_portal_access(actor=alice, case=other)
    do_revoke_portal_access(actor=alice, case=other)
    answers = [
        _sign_in(Client(), "ZZZZ-ZZZZ", issued.passphrase, address="10.0.0.1"),
        _sign_in(Client(), issued.reference, "wrong words entirely here now please", address="10.0.0.2"),
        _sign_in(Client(), revoked.reference, revoked.passphrase, address="10.0.0.3"),
    ]
    assert {a.status_code for a in answers} == {400}
    bodies = {re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", a.content.decode()) for a in answers}
    assert len(bodies) == 1
    assert not any(a.cookies.get("caseflow_portal") and a.cookies["caseflow_portal"].value for a in answers)
    assert issued.reference not in bodies.pop()


def test_it_locks_a_reference_and_address_after_five_failures_and_tells_the_counsellor(
    alice: User, alices_case: Case, issued: IssuedAccess
) -> None:
    for _ in range(5):
        assert _sign_in(Client(), issued.reference, "not the words", address="10.9.9.9").status_code == 400
    locked = _sign_in(Client(), issued.reference, issued.passphrase, address="10.9.9.9")
    assert locked.status_code == 429
    # Her own phone, elsewhere, still gets in: someone holding the reference cannot lock her out.
    assert _sign_in(Client(), issued.reference, issued.passphrase, address="10.1.1.1").status_code == 302
    notices = Notification.objects.filter(recipient=alice, template_key="portal.locked")
    assert notices.count() == 1


def test_it_locks_an_unknown_reference_the_same_way(issued: IssuedAccess) -> None:
    answers = [_sign_in(Client(), "QQQQ-QQQQ", "guess", address="10.7.7.7").status_code for _ in range(6)]
    assert answers == [400] * 5 + [429]
    assert not Notification.objects.filter(template_key="portal.locked").exists()


def test_it_stops_one_address_guessing_across_many_references(settings, issued: IssuedAccess) -> None:
    settings.PORTAL_ADDRESS_FAILURE_LIMIT = 8
    for n in range(8):
        _sign_in(Client(), f"AAAA-AA{n:02d}", "guess", address="10.6.6.6")
    assert _sign_in(Client(), issued.reference, issued.passphrase, address="10.6.6.6").status_code == 429


def test_it_keeps_the_portal_session_apart_from_a_staff_session(client_as, alice: User, issued: IssuedAccess) -> None:
    browser = client_as(alice)
    staff_cookie = browser.cookies["caseflow_session"].value
    # A staff session opens no portal page.
    assert browser.get("/portal/case/")["Location"] == "/portal/"
    response = _sign_in(browser, issued.reference, issued.passphrase)
    cookie = response.cookies["caseflow_portal"]
    assert cookie["path"] == "/portal/" and cookie["httponly"] and cookie["samesite"] == "Strict"
    assert "caseflow_session" not in response.cookies
    assert browser.get("/portal/case/").status_code == 200
    signed_out = browser.post("/portal/sign-out/")
    assert signed_out["Clear-Site-Data"] == '"cache", "storage"'
    assert "caseflow_session" not in signed_out.cookies
    # The staff session is untouched by the portal's sign-in and sign-out.
    assert browser.cookies["caseflow_session"].value == staff_cookie
    assert browser.get("/").status_code == 200
    assert browser.get("/portal/case/")["Location"] == "/portal/"


def test_it_ends_a_session_after_fifteen_idle_minutes(victim: Client) -> None:
    assert victim.get("/portal/case/").status_code == 200
    PortalSession.objects.update(last_seen_at=timezone.now() - timedelta(minutes=16))
    assert victim.get("/portal/case/")["Location"] == "/portal/"
    assert PortalSession.objects.get().ended_at is not None


def test_it_ends_sessions_when_access_is_reissued_or_revoked(alice: User, alices_case: Case, victim: Client) -> None:
    do_issue_portal_access(actor=alice, case=alices_case)
    assert victim.get("/portal/case/")["Location"] == "/portal/"


def test_it_serves_every_portal_page_uncached(victim: Client) -> None:
    for page in [
        "/portal/",
        "/portal/case/",
        "/portal/places/",
        "/portal/contact/",
        "/portal/consents/",
        "/portal/close/",
    ]:
        response = victim.get(page, follow=True)
        assert "no-store" in response["Cache-Control"], page
        assert "Content-Security-Policy" in response, page


def test_it_quick_exits_to_the_neutral_site_and_ends_the_session(settings, victim: Client) -> None:
    response = victim.post("/portal/exit/")
    assert response.status_code == 302 and response["Location"] == settings.PORTAL_EXIT_URL
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert PortalSession.objects.get().ended_at is not None
    assert victim.get("/portal/case/")["Location"] == "/portal/"
    # The page lets its form lead to the exit site, and only there besides this site.
    page = Client().get("/portal/")
    assert "form-action 'self' https://www.naver.com" in page["Content-Security-Policy"]


def test_it_shows_progress_in_plain_words_without_other_addresses_or_staff_names(
    alice: User, alices_case: Case, victim: Client
) -> None:
    do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/secret_room/1", "https://x.com/u/status/2"])
    Sighting.objects.filter(url_hash__in=[s.url_hash for s in Sighting.objects.all()[:1]]).update(state="removed")
    do_add_note(actor=alice, case=alices_case, body="We sent the request today.", visibility="shared")
    do_add_note(actor=alice, case=alices_case, body="Internal: check her ex-partner.", visibility="internal")
    page = victim.get("/portal/case/").content.decode()
    assert "1 of 2 places removed" in page or "2곳 중 1곳 삭제" in page
    assert "We sent the request today." in page
    assert "Internal" not in page
    assert "secret_room" not in page and "status/2" not in page
    assert "Alice" not in page


def test_it_adds_places_for_review_answering_each_line(alice: User, alices_case: Case, victim: Client) -> None:
    response = victim.post(
        "/portal/places/", {"text": "https://t.me/new_room/5\njavascript:alert(1)\nhttps://t.me/new_room/5"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="result created"') == 1
    assert page.count('class="result rejected"') == 1
    assert page.count('class="result duplicate"') == 1
    place = Sighting.objects.get(case=alices_case)
    assert (place.state, place.found_by, place.created_by) == ("reported", "victim", None)
    event = CaseEvent.objects.filter(case=alices_case, kind="places_reported").get()
    assert (event.actor_kind, event.actor) == ("victim", None)
    assert Notification.objects.filter(recipient=alice, template_key="case.victim_acted").exists()
    # Reported places go to no platform until the counsellor confirms them.
    from cases.actions.takedowns import do_draft_takedowns

    assert do_draft_takedowns(actor=alice, case=alices_case) == []


def test_it_changes_contact_choices_and_the_pending_messages_follow(
    alice: User, alices_case: Case, victim: Client
) -> None:
    from cases.actions.cases import do_update_case

    case = do_update_case(
        actor=alice, case=alices_case, version=1, changes={"consent_contact": True, "contact_channel": "sms"}
    )
    do_transition_case(actor=alice, case=case, status="in_progress")
    pending = Notification.objects.get(template_key="victim.case_updated", state="pending")
    case.refresh_from_db()
    body = {
        "contact_channel": "email",
        "contact_email": "Safe@Example.kr",
        "contact_phone": "",
        "preferred_language": "en",
        "version": case.version,
    }
    assert victim.post("/portal/contact/", body).status_code == 200
    pending.refresh_from_db()
    assert pending.channel == "email" and pending.address == "safe@example.kr"
    case.refresh_from_db()
    assert (case.contact_channel, case.preferred_language, case.consent_contact) == ("email", "en", True)
    do_update_case(actor=alice, case=case, version=case.version, changes={"preferred_language": "ko"})
    stale = victim.post("/portal/contact/", {**body, "contact_channel": "none"})
    assert stale.status_code == 409
    case.refresh_from_db()
    shown = stale.content.decode()  # as it is now: her counsellor's change, and the version to save against
    assert "그사이에 바뀐 내용이 있어요" in shown and f'name="version" value="{case.version}"' in shown
    assert re.search(r'<option value="ko"[^>]*selected', shown) and case.contact_channel == "email"
    body["version"] = case.version
    assert victim.post("/portal/contact/", {**body, "contact_channel": "none"}).status_code == 200
    pending.refresh_from_db()
    assert pending.state == "cancelled"
    event = CaseEvent.objects.filter(case=case, kind="contact_changed").latest("pk")
    assert event.actor_kind == "victim" and "safe@example.kr" not in str(event.new)


def test_it_refuses_a_channel_without_its_address(victim: Client, alices_case: Case) -> None:
    body = {"contact_channel": "sms", "contact_phone": "", "preferred_language": "ko", "version": 1}
    assert victim.post("/portal/contact/", body).status_code == 400


def test_it_records_consent_given_and_withdrawn_by_the_victim(alice: User, alices_case: Case, victim: Client) -> None:
    body = {"consent_hash_matching": "on", "version": alices_case.version}
    assert victim.post("/portal/consents/", body).status_code == 200
    alices_case.refresh_from_db()
    assert (alices_case.consent_hash_matching, alices_case.consent_share_with_police) == (True, False)
    event = CaseEvent.objects.get(case=alices_case, kind="consents_changed")
    assert (event.actor_kind, event.new) == (
        "victim",
        {"hash_matching": True, "share_with_police": False, "keep_evidence": False},
    )
    assert Notification.objects.filter(recipient=alice, template_key="case.victim_acted").exists()


def test_it_lets_the_victim_give_and_withdraw_consent_to_keeping_her_files(
    api_as, client_as, alice: User, alices_case: Case, victim: Client
) -> None:
    def box() -> str:
        page = victim.get("/portal/consents/", headers={"accept-language": "ko"}).content.decode()
        assert "암호화해 증거로 보관해도 됩니다" in page
        found = re.search(r'<input[^>]*name="consent_keep_evidence"[^>]*>', page)
        assert found is not None
        return found[0]

    assert "checked" not in box()
    given = {"consent_keep_evidence": "on", "version": alices_case.version}
    assert victim.post("/portal/consents/", given).status_code == 200
    assert "checked" in box()
    photo = io.BytesIO(jpeg(7))
    photo.name = "photo.jpg"
    upload = api_as(alice).post(f"/api/v1/cases/{alices_case.pk}/evidence/", {"file": photo}, format="multipart")
    evidence_id = upload.json()["id"]
    assert Evidence.objects.get(pk=evidence_id).kept and EvidenceFile.objects.filter(evidence_id=evidence_id)
    alices_case.refresh_from_db()
    # The box left unticked, as a page older than it sends it: nothing is deleted without her saying so.
    unticked = victim.post("/portal/consents/", {"consent_hash_matching": "on", "version": alices_case.version})
    assert unticked.status_code == 400 and "되돌릴 수 없다는 것을 이해했습니다" in unticked.content.decode()
    # A stale form changes nothing either, and the page comes back as it is now.
    stale = {"confirm_delete_files": "on", "version": alices_case.version - 1}
    answer = victim.post("/portal/consents/", stale)
    assert answer.status_code == 409 and f'value="{alices_case.version}"' in answer.content.decode()
    assert "그사이에 바뀐 내용이 있어요" in answer.content.decode()
    assert EvidenceFile.objects.filter(evidence_id=evidence_id).exists()
    alices_case.refresh_from_db()
    assert alices_case.consent_keep_evidence is True and alices_case.consent_hash_matching is False
    withdrawn = {"confirm_delete_files": "on", "version": alices_case.version}
    assert victim.post("/portal/consents/", withdrawn).status_code == 200
    alices_case.refresh_from_db()
    assert alices_case.consent_keep_evidence is False
    assert not EvidenceFile.objects.exists()
    assert Evidence.objects.get(pk=evidence_id).kept is False and EvidenceHash.objects.filter(evidence_id=evidence_id)
    event = CaseEvent.objects.filter(case=alices_case, kind="consents_changed").latest("pk")
    assert (event.actor_kind, event.old["keep_evidence"], event.new["keep_evidence"]) == ("victim", True, False)
    timeline = client_as(alice).get(f"/cases/{alices_case.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "Consent to keeping evidence files withdrawn" in timeline


def test_it_asks_a_supervisor_to_close_the_case(alice: User, carol: User, alices_case: Case, victim: Client) -> None:
    assert victim.post("/portal/close/", {"reason": "I want to stop."}).status_code == 200
    request = ClosureRequest.objects.get(case=alices_case)
    assert (request.requested_by_kind, request.decision) == ("victim", "pending")
    assert Notification.objects.filter(recipient=carol, template_key="case.closure_requested").exists()
    assert victim.post("/portal/close/", {"reason": "again"}).status_code == 400
    assert ClosureRequest.objects.filter(case=alices_case).count() == 1


def test_it_never_lets_a_victim_reach_another_case_or_staff_pages(
    victim: Client, bobs_case: Case, daves_case: Case
) -> None:
    for url in [f"/cases/{bobs_case.pk}/", f"/cases/{daves_case.pk}/", "/"]:
        assert victim.get(url)["Location"].startswith("/accounts/login/")
    assert victim.get(f"/api/v1/cases/{bobs_case.pk}/").status_code in {401, 403}
    # Nothing on her pages names another case.
    for page in ["/portal/case/", "/portal/places/"]:
        text = victim.get(page).content.decode()
        assert bobs_case.display_reference not in text and daves_case.display_reference not in text
    assert not AccessLog.objects.exists()


def test_it_escapes_what_it_shows_of_each_place(alice: User, alices_case: Case, victim: Client) -> None:
    from cases.models import Platform

    do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/room/1"])
    Platform.objects.filter(sightings__case=alices_case).update(name='Tele<script>alert("x")</script>gram')
    page = victim.get("/portal/case/").content.decode()
    assert "<script>alert" not in page
    assert "Tele&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;gram" in page


def test_it_shows_progress_in_the_same_queries_for_3_or_300_places(
    alice: User, alices_case: Case, victim: Client
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    do_add_sightings(actor=alice, case=alices_case, lines=[f"https://t.me/room/{n}" for n in range(3)])
    victim.get("/portal/case/")
    with CaptureQueriesContext(connection) as few:
        victim.get("/portal/case/")
    do_add_sightings(actor=alice, case=alices_case, lines=[f"https://x.com/u/status/{n}" for n in range(297)])
    with CaptureQueriesContext(connection) as many:
        page = victim.get("/portal/case/").content.decode()
    assert len(few) == len(many) <= 5
    assert page.count("<tr><td>") == 300
