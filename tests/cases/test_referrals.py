"""Referrals: the centre's partner directory, a case's referrals with their consent rules and status
machine, the access log of what left, and escalation of an overdue takedown to the regulator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import Consents
from cases.actions.portal import do_victim_set_consents
from cases.actions.referrals import do_propose_referral, do_transition_referral
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.models import (
    AccessAction,
    AccessLog,
    Case,
    Partner,
    Platform,
    Referral,
    TakedownRequest,
)
from tests.cases.conftest import READERS, cases_of_every_kind, open_case, settle_kinds

pytestmark = pytest.mark.django_db


def partner(centre_id: int, kind: str, name: str | None = None) -> Partner:
    return Partner.objects.create(
        centre_id=centre_id,
        name=name or f"{kind} partner",
        kind=kind,
        channel="phone",
        contact="02-123-4567",
        requirements="A short summary and the victim's phone number.",
    )


@pytest.fixture
def legal(alice: User) -> Partner:
    return partner(alice.centre_id, "legal", "Korea Legal Aid Seoul")


@pytest.fixture
def police(alice: User) -> Partner:
    return partner(alice.centre_id, "police", "Seoul Cyber Unit")


@pytest.fixture
def consenting_case(alice: User) -> Case:
    return open_case(alice, consents=Consents(contact=True, share_with_police=True, hash_matching=False))


def refer(api, case: Case, partner: Partner, **body):
    payload = {"partner": partner.pk, "reason": "She wants to know her options.", "shared_items": ["victim_name"]}
    return api.post(
        f"/api/v1/cases/{case.pk}/referrals/", payload | body, format="json", headers={"accept-language": "en"}
    )


# --- The partner directory ---------------------------------------------------------------------------


def test_it_lets_administrators_keep_their_own_centres_directory(api_as, alice: User, erin: User, dave: User) -> None:
    created = api_as(erin).post(
        "/api/v1/partners/",
        {"name": "Seoul Sunflower Centre", "kind": "medical", "channel": "phone", "contact": "02-3400-1700"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert Partner.objects.get(pk=created.json()["id"]).centre_id == erin.centre_id
    # A counsellor reads it, never writes it.
    assert [p["name"] for p in api_as(alice).get("/api/v1/partners/").json()] == ["Seoul Sunflower Centre"]
    assert api_as(alice).post("/api/v1/partners/", created.json(), format="json").status_code == 403
    # Another centre neither sees nor finds it.
    assert api_as(dave).get("/api/v1/partners/").json() == []
    assert api_as(dave).get(f"/api/v1/partners/{created.json()['id']}/").status_code == 404
    # A change names the version it read; a stale one is a 409.
    url = f"/api/v1/partners/{created.json()['id']}/"
    assert api_as(erin).patch(url, {"contact": "02-1"}, format="json").status_code == 400
    assert api_as(erin).patch(url, {"contact": "02-1", "version": 1}, format="json").status_code == 200
    stale = api_as(erin).patch(url, {"contact": "02-2", "version": 1}, format="json")
    assert stale.status_code == 409 and "version" in stale.json()


def test_it_refuses_a_second_partner_of_the_same_name_and_unknown_fields(api_as, erin: User, legal: Partner) -> None:
    same = api_as(erin).post(
        "/api/v1/partners/",
        {"name": legal.name, "kind": "legal", "channel": "email", "contact": "a@b.kr"},
        format="json",
    )
    assert same.status_code == 400 and "name" in same.json()
    odd = api_as(erin).post(
        "/api/v1/partners/",
        {"name": "X", "kind": "legal", "channel": "email", "contact": "a@b.kr", "centre": 99},
        format="json",
    )
    assert odd.status_code == 400 and "centre" in odd.json()


def test_it_shows_administrators_only_their_centres_partners_in_the_admin(
    client_as, erin: User, dave: User, legal: Partner
) -> None:
    elsewhere = partner(dave.centre_id, "legal", "Busan Legal Aid")
    admin = client_as(erin)
    listing = admin.get("/admin/cases/partner/").content.decode()
    assert legal.name in listing and elsewhere.name not in listing
    assert admin.get(f"/admin/cases/partner/{elsewhere.pk}/change/").status_code == 404
    added = admin.post(
        "/admin/cases/partner/add/",
        {"name": "Seoul Police", "kind": "police", "channel": "phone", "contact": "112", "is_active": "on"},
    )
    assert added.status_code == 302
    assert Partner.objects.get(name="Seoul Police").centre_id == erin.centre_id


# --- Proposing: consent rules --------------------------------------------------------------------------


def test_it_refuses_a_police_referral_without_consent_to_share_with_the_police(
    api_as, alice: User, alices_case: Case, police: Partner
) -> None:
    response = refer(api_as(alice), alices_case, police, no_contact_reason="She asked us to act for her.")
    assert response.status_code == 403
    assert "police" in response.json()["detail"]
    assert not Referral.objects.exists()


def test_it_refuses_a_referral_without_consent_to_contact_or_a_reason(
    api_as, alice: User, alices_case: Case, legal: Partner
) -> None:
    api = api_as(alice)
    missing = refer(api, alices_case, legal)
    assert missing.status_code == 400 and "no_contact_reason" in missing.json()
    blank = refer(api, alices_case, legal, no_contact_reason="   ")
    assert blank.status_code == 400 and "no_contact_reason" in blank.json()
    # Her phone is not passed on while she has not agreed to be contacted.
    phone = refer(api, alices_case, legal, no_contact_reason="Through her lawyer.", shared_items=["contact_phone"])
    assert phone.status_code == 400 and "shared_items" in phone.json()
    assert not Referral.objects.exists()
    made = refer(api, alices_case, legal, no_contact_reason="Through her lawyer.")
    assert made.status_code == 201, made.json()
    assert made.json()["status"] == "proposed" and made.json()["no_contact_reason"] == "Through her lawyer."


def test_it_keeps_what_is_shared_to_the_items_chosen(
    api_as, alice: User, consenting_case: Case, legal: Partner
) -> None:
    api = api_as(alice)
    unknown = refer(api, consenting_case, legal, shared_items=["victim_name", "password"])
    assert unknown.status_code == 400 and "shared_items" in unknown.json()
    letter = refer(api, consenting_case, legal, shared_items=["takedown_letter"])
    assert letter.status_code == 400 and "shared_items" in letter.json()
    made = refer(api, consenting_case, legal, shared_items=["summary", "victim_name", "summary"])
    assert made.status_code == 201
    assert made.json()["shared_items"] == ["victim_name", "summary"]


def test_it_refuses_another_centres_partner_and_the_regulator(
    api_as, alice: User, dave: User, consenting_case: Case
) -> None:
    theirs = partner(dave.centre_id, "legal", "Busan Legal Aid")
    response = refer(api_as(alice), consenting_case, theirs)
    assert response.status_code == 400 and "partner" in response.json()
    regulator = partner(alice.centre_id, "regulator", "KCSC")
    response = refer(api_as(alice), consenting_case, regulator)
    assert response.status_code == 400 and "partner" in response.json()


# --- The machine ---------------------------------------------------------------------------------------

STATUSES = ["proposed", "consented", "sent", "accepted", "declined", "completed"]
LEGAL = {
    ("proposed", "consented"),
    ("consented", "sent"),
    ("sent", "accepted"),
    ("sent", "declined"),
    ("accepted", "completed"),
    ("declined", "completed"),
}
PATH = {
    "proposed": [],
    "consented": ["consented"],
    "sent": ["consented", "sent"],
    "accepted": ["consented", "sent", "accepted"],
    "declined": ["consented", "sent", "declined"],
    "completed": ["consented", "sent", "accepted", "completed"],
}


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("requested", STATUSES)
def test_it_follows_the_referral_machine(
    api_as, alice: User, consenting_case: Case, legal: Partner, current: str, requested: str
) -> None:
    referral = do_propose_referral(
        actor=alice, case=consenting_case, partner=legal, reason="Legal advice", shared_items=["victim_name"]
    )
    for step in PATH[current]:
        referral = do_transition_referral(actor=alice, case=consenting_case, referral=referral, status=step, note="ok")
    response = api_as(alice).post(
        f"/api/v1/referrals/{referral.pk}/transition/",
        {"status": requested, "version": referral.version, "note": "She has a lawyer now."},
        format="json",
    )
    referral.refresh_from_db()
    if (current, requested) in LEGAL:
        assert response.status_code == 200, response.json()
        assert referral.status == requested
    else:
        assert response.status_code == 400
        assert current in response.json()["status"][0] and requested in response.json()["status"][0]
        assert referral.status == current


def test_it_refuses_a_stale_version_and_a_completion_without_outcome(
    api_as, alice: User, consenting_case: Case, legal: Partner
) -> None:
    referral = do_propose_referral(actor=alice, case=consenting_case, partner=legal, reason="x", shared_items=[])
    api = api_as(alice)
    url = f"/api/v1/referrals/{referral.pk}/transition/"
    assert api.post(url, {"status": "consented", "version": 1}, format="json").status_code == 200
    stale = api.post(url, {"status": "sent", "version": 1}, format="json")
    assert stale.status_code == 409
    for step in ("sent", "accepted"):
        version = Referral.objects.get(pk=referral.pk).version
        assert api.post(url, {"status": step, "version": version}, format="json").status_code == 200
    version = Referral.objects.get(pk=referral.pk).version
    bare = api.post(url, {"status": "completed", "version": version}, format="json")
    assert bare.status_code == 400 and "note" in bare.json()
    done = api.post(url, {"status": "completed", "version": version, "note": "Advice given."}, format="json")
    assert done.status_code == 200 and done.json()["outcome_note"] == "Advice given."


def test_it_checks_consent_again_when_sending(api_as, alice: User, consenting_case: Case, police: Partner) -> None:
    referral = do_propose_referral(
        actor=alice, case=consenting_case, partner=police, reason="Report", shared_items=["victim_name", "places"]
    )
    referral = do_transition_referral(actor=alice, case=consenting_case, referral=referral, status="consented")
    # She withdraws her consent to police sharing (as the portal does) before the referral leaves.
    do_victim_set_consents(
        case=consenting_case,
        version=Case.objects.get(pk=consenting_case.pk).version,
        hash_matching=False,
        share_with_police=False,
        keep_evidence=False,
    )
    response = api_as(alice).post(
        f"/api/v1/referrals/{referral.pk}/transition/",
        {"status": "sent", "version": referral.version},
        format="json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 403 and "police" in response.json()["detail"]
    assert Referral.objects.get(pk=referral.pk).status == "consented"
    assert not AccessLog.objects.filter(action=AccessAction.REFERRAL).exists()


def test_it_writes_what_left_and_to_whom_to_the_access_log(
    api_as, alice: User, carol: User, consenting_case: Case, legal: Partner
) -> None:
    referral = do_propose_referral(
        actor=alice, case=consenting_case, partner=legal, reason="x", shared_items=["victim_name", "contact_phone"]
    )
    referral = do_transition_referral(actor=alice, case=consenting_case, referral=referral, status="consented")
    sent = api_as(alice).post(
        f"/api/v1/referrals/{referral.pk}/transition/", {"status": "sent", "version": referral.version}, format="json"
    )
    assert sent.status_code == 200
    rows = api_as(carol).get("/api/v1/access-log/", {"case": consenting_case.pk}).json()["results"]
    shared = [r for r in rows if r["action"] == "referral"]
    assert len(shared) == 1
    assert shared[0]["user"]["id"] == alice.pk
    assert shared[0]["detail"] == {
        "referral": referral.pk,
        "partner": legal.pk,
        "partner_name": legal.name,
        "kind": "legal",
        "items": ["victim_name", "contact_phone"],
    }
    # Names of items, never their values.
    assert "김민지" not in str(shared[0]) and "010" not in str(shared[0]["detail"])


def test_it_hides_referrals_from_colleagues_other_centres_and_administrators(
    api_as, alice: User, bob: User, dave: User, erin: User, consenting_case: Case, legal: Partner
) -> None:
    referral = do_propose_referral(actor=alice, case=consenting_case, partner=legal, reason="x", shared_items=[])
    for user, expected in ((bob, 404), (dave, 404), (erin, 403)):
        assert api_as(user).get(f"/api/v1/referrals/{referral.pk}/").status_code == expected
        body = {"status": "consented", "version": 1}
        assert api_as(user).post(f"/api/v1/referrals/{referral.pk}/transition/", body, format="json").status_code in (
            expected,
        )
    assert api_as(bob).get("/api/v1/referrals/").json()["results"] == []
    assert [r["id"] for r in api_as(alice).get("/api/v1/referrals/").json()["results"]] == [referral.pk]


def test_it_lists_the_referrals_of_exactly_the_cases_each_person_may_read(
    api_as, alice: User, bob: User, carol: User, dave: User, legal: Partner
) -> None:
    cases = cases_of_every_kind(alice, bob, dave, consents=Consents(contact=True, share_with_police=False))
    referrals = {
        name: do_propose_referral(
            actor=case.assigned_to or alice,
            case=case,
            partner=legal if case.centre_id == legal.centre_id else partner(case.centre_id, "legal"),
            reason="She wants to know her options.",
            shared_items=[],
        ).pk
        for name, case in cases.items()
    }
    settle_kinds(cases, alice, carol)
    people = {"alice": alice, "bob": bob, "carol": carol, "dave": dave}
    expected = {people[name]: names for name, names in READERS.items()}
    for user, names in expected.items():
        api = api_as(user)
        listed = {row["id"] for row in api.get("/api/v1/referrals/", {"page_size": 100}).json()["results"]}
        assert listed == {referrals[name] for name in names}, user.email
        for name, pk in referrals.items():
            assert (api.get(f"/api/v1/referrals/{pk}/").status_code == 200) == (name in names), (user.email, name)


def test_it_lists_referrals_in_a_fixed_number_of_queries(
    api_as, alice: User, consenting_case: Case, legal: Partner
) -> None:
    api = api_as(alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/api/v1/cases/{consenting_case.pk}/referrals/").status_code == 200
            assert api.get("/api/v1/referrals/").status_code == 200
            assert api.get(f"/cases/{consenting_case.pk}/").status_code == 200
        return len(captured)

    do_propose_referral(actor=alice, case=consenting_case, partner=legal, reason="x", shared_items=[])
    count()  # the first requests of a session write what later ones only read
    few = count()
    for _ in range(5):
        do_propose_referral(actor=alice, case=consenting_case, partner=legal, reason="y", shared_items=[])
    assert count() == few


# --- Pages ---------------------------------------------------------------------------------------------


def test_it_proposes_and_moves_a_referral_on_the_pages(
    client_as, alice: User, consenting_case: Case, legal: Partner
) -> None:
    browser = client_as(alice)
    page = browser.get(f"/cases/{consenting_case.pk}/", headers={"accept-language": "en"}).content.decode()
    assert 'id="referral-form"' in page and legal.name in page
    bad = browser.post(f"/cases/{consenting_case.pk}/referrals/", {"partner": legal.pk, "reason": ""})
    assert bad.status_code == 400
    made = browser.post(
        f"/cases/{consenting_case.pk}/referrals/",
        {"partner": legal.pk, "reason": "Free legal advice", "shared_items": ["victim_name", "contact_phone"]},
    )
    assert made.status_code == 302
    referral = Referral.objects.get()
    views = AccessLog.objects.filter(case=consenting_case, action=AccessAction.VIEW).count()
    sheet = browser.get(f"/referrals/{referral.pk}/").content.decode()
    assert "김민지" in sheet and "010-1234-5678" in sheet and "minji@example.kr" not in sheet
    assert AccessLog.objects.filter(case=consenting_case, action=AccessAction.VIEW).count() == views + 1
    browser.post(f"/referrals/{referral.pk}/transition/", {"status": "consented", "version": 1})
    # Sending asks first (a page without script), and changes nothing until confirmed.
    asked = browser.post(f"/referrals/{referral.pk}/transition/", {"status": "sent", "version": 2})
    assert asked.status_code == 200 and "confirm-step" in asked.content.decode()
    assert Referral.objects.get().status == "consented"
    browser.post(f"/referrals/{referral.pk}/transition/", {"status": "sent", "version": 2, "confirmed": "1"})
    browser.post(f"/referrals/{referral.pk}/transition/", {"status": "accepted", "version": 3, "note": "Lawyer found"})
    assert Referral.objects.get().status == "accepted"
    timeline = browser.get(f"/cases/{consenting_case.pk}/", headers={"accept-language": "en"}).content.decode()
    assert f"Referral to {legal.name}: Sent → Accepted" in timeline


# --- Escalation to the regulator -------------------------------------------------------------------------


@pytest.fixture
def overdue(alice: User, platforms: None) -> TakedownRequest:
    case = open_case(alice)
    do_add_sightings(actor=alice, case=case, lines=["https://t.me/room/77"])
    [draft] = do_draft_takedowns(actor=alice, case=case)
    sent = do_transition_takedown(actor=alice, case=case, takedown=draft, status="sent")
    TakedownRequest.objects.filter(pk=sent.pk).update(deadline_at=timezone.now() - timedelta(hours=2))
    return TakedownRequest.objects.select_related("platform", "case").get(pk=sent.pk)


def test_it_escalates_only_where_the_platforms_entry_says_the_regulator_takes_it(
    api_as, alice: User, overdue: TakedownRequest
) -> None:
    partner(alice.centre_id, "regulator", "KCSC")
    Platform.objects.filter(pk=overdue.platform_id).update(regulator_escalation=False)
    api = api_as(alice)
    url = f"/api/v1/takedowns/{overdue.pk}/transition/"
    refused = api.post(url, {"status": "escalated", "version": overdue.version}, format="json")
    assert refused.status_code == 400 and overdue.platform.name in refused.json()["status"][0]
    assert TakedownRequest.objects.get(pk=overdue.pk).status == "sent" and not Referral.objects.exists()
    page = api_as(alice).get(f"/takedowns/{overdue.pk}/").content.decode()
    assert 'data-status="escalated"' not in page


def test_it_needs_the_regulator_in_the_centres_directory(api_as, alice: User, overdue: TakedownRequest) -> None:
    response = api_as(alice).post(
        f"/api/v1/takedowns/{overdue.pk}/transition/",
        {"status": "escalated", "version": overdue.version},
        format="json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400 and "regulator" in response.json()["status"][0]
    assert TakedownRequest.objects.get(pk=overdue.pk).status == "sent"


def test_it_makes_a_regulator_referral_with_the_letter_and_history(
    api_as, alice: User, carol: User, overdue: TakedownRequest
) -> None:
    kcsc = partner(alice.centre_id, "regulator", "KCSC")
    response = api_as(alice).post(
        f"/api/v1/takedowns/{overdue.pk}/transition/",
        {"status": "escalated", "version": overdue.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    referral = Referral.objects.get()
    assert (referral.partner_id, referral.kind, referral.status, referral.takedown_id) == (
        kcsc.pk,
        "regulator",
        "sent",
        overdue.pk,
    )
    assert referral.shared_items == ["takedown_letter", "takedown_history"]
    assert overdue.token in referral.attachment and "https://t.me/room/77" in referral.attachment
    assert '"to": "sent"' in referral.attachment
    # Encrypted at rest: the database holds no letter text.
    with connection.cursor() as cursor:
        cursor.execute("SELECT attachment FROM cases_referral WHERE id = %s", [referral.pk])
        assert "t.me" not in cursor.fetchone()[0]
    rows = api_as(carol).get("/api/v1/access-log/", {"case": overdue.case_id}).json()["results"]
    assert [r["detail"]["partner_name"] for r in rows if r["action"] == "referral"] == ["KCSC"]
    page = api_as(alice).get(f"/referrals/{referral.pk}/").content.decode()
    assert "https://t.me/room/77" in page and overdue.token in page
