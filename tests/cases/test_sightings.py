"""Places where the content appears: pasted in bulk, canonicalised, matched to platforms, linked."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.actions.sightings import do_add_sightings
from cases.models import Case, CaseEvent, Platform, Sighting

pytestmark = pytest.mark.django_db


def _bulk(api, case: Case, text: str, **flags):
    return api.post(f"/api/v1/cases/{case.pk}/sightings/bulk/", {"text": text, **flags}, format="json")


def test_it_answers_every_pasted_line(api_as, alice: User, alices_case: Case) -> None:
    api = api_as(alice)
    _bulk(api, alices_case, "https://t.me/some_room/15")
    text = "\n".join(
        [
            "https://t.me/some_room/15?utm_source=share",  # 1: duplicate of the one already recorded
            "HTTPS://M.FACEBOOK.COM/photo.php?fbid=1&fbclid=xyz",  # 2: created, Facebook
            "javascript:alert(1)",  # 3: rejected
            "",  # blank: skipped
            "https://example-leak.site/v/9#top",  # 5: created, unknown site
            "https://m.facebook.com/photo.php?fbid=1",  # 6: same as line 2 within the paste
            "http://192.168.0.10/x",  # 7: rejected, private address
            "https://x.com/user/status/1?s=20",  # 8: created, X
        ]
    )
    response = _bulk(api, alices_case, text, is_synthetic=True, content_kind="video")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["duplicate"], body["rejected"]) == (3, 2, 2)
    by_line = {row["line"]: row for row in body["results"]}
    assert sorted(by_line) == [1, 2, 3, 5, 6, 7, 8]
    assert by_line[1]["status"] == "duplicate" and by_line[1]["duplicate_of"]
    assert by_line[2]["url"] == "https://m.facebook.com/photo.php?fbid=1"
    assert by_line[3]["status"] == "rejected" and by_line[3]["error"]
    assert by_line[7]["code"] == "private_host"
    platforms = dict(Sighting.objects.filter(case=alices_case).values_list("host", "platform__name"))
    assert platforms == {
        "t.me": "Telegram",
        "m.facebook.com": "Facebook",
        "example-leak.site": "Unknown site / 기타 사이트",
        "x.com": "X (Twitter)",
    }
    assert Sighting.objects.filter(case=alices_case, is_synthetic=True, content_kind="video").count() == 3
    assert CaseEvent.objects.filter(case=alices_case, kind="sightings_added").count() == 2


def test_it_refuses_more_than_1000_lines(api_as, alice: User, alices_case: Case) -> None:
    text = "\n".join(f"https://example.org/{n}" for n in range(1001))
    response = _bulk(api_as(alice), alices_case, text)
    assert response.status_code == 400
    assert "lines" in response.json()
    assert not Sighting.objects.exists()


def test_it_adds_1000_lines_in_one_go(api_as, alice: User, alices_case: Case) -> None:
    text = "\n".join(f"https://t.me/room{n}/1" for n in range(1000))
    body = _bulk(api_as(alice), alices_case, text).json()
    assert body["created"] == 1000
    assert Sighting.objects.filter(case=alices_case).count() == 1000


def test_it_stores_addresses_encrypted(api_as, alice: User, alices_case: Case) -> None:
    from django.db import connection

    _bulk(api_as(alice), alices_case, "https://t.me/secret_room_name/7")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_sighting")
        raw = repr(cursor.fetchall())
    assert "secret_room_name" not in raw


def test_it_links_the_same_address_in_another_case_without_revealing_it(
    api_as, alice: User, bob: User, carol: User, alices_case: Case, bobs_case: Case
) -> None:
    _bulk(api_as(alice), alices_case, "https://t.me/shared_room/3")
    _bulk(api_as(bob), bobs_case, "https://t.me/shared_room/3?utm_medium=x")
    alices_view = api_as(alice).get(f"/api/v1/cases/{alices_case.pk}/sightings/").json()
    assert alices_view[0]["same_elsewhere"] == [{"hidden": 1}]
    carols_view = api_as(carol).get(f"/api/v1/cases/{alices_case.pk}/sightings/").json()
    assert carols_view[0]["same_elsewhere"] == [{"case": bobs_case.pk, "reference": bobs_case.display_reference}]


def test_it_matches_platforms_by_domain_suffix(api_as, alice: User, alices_case: Case) -> None:
    _bulk(
        api_as(alice),
        alices_case,
        "https://www.youtube.com/watch?v=abc\nhttps://cafe.daum.net/x/1\nhttps://youtu.be/abc",
    )
    names = set(Sighting.objects.values_list("platform__name", flat=True))
    assert names == {"YouTube", "Daum/Kakao"}


def test_it_refuses_paste_on_a_case_you_may_not_write(api_as, bob: User, alices_case: Case, intake_case: Case) -> None:
    assert _bulk(api_as(bob), alices_case, "https://t.me/x/1").status_code == 404
    assert _bulk(api_as(bob), intake_case, "https://t.me/x/1").status_code == 403


def test_it_adds_one_place_and_reports_a_duplicate_with_409(api_as, alice: User, alices_case: Case) -> None:
    api = api_as(alice)
    first = api.post(f"/api/v1/cases/{alices_case.pk}/sightings/", {"url": "https://t.me/a/1"}, format="json")
    assert first.status_code == 201
    assert first.json()["platform"]["name"] == "Telegram"
    again = api.post(f"/api/v1/cases/{alices_case.pk}/sightings/", {"url": "https://T.ME/a/1#x"}, format="json")
    assert again.status_code == 409
    assert again.json()["duplicate_of"] == first.json()["id"]
    bad = api.post(f"/api/v1/cases/{alices_case.pk}/sightings/", {"url": "file:///etc/passwd"}, format="json")
    assert bad.status_code == 400
    assert "url" in bad.json()


def test_it_lets_only_administrators_edit_platforms(api_as, alice: User, erin: User) -> None:
    assert api_as(alice).get("/api/v1/platforms/").status_code == 200
    body = {
        "name": "NewTube",
        "kind": "social",
        "domains": ["newtube.example"],
        "channel": "email",
        "response_hours": 12,
    }
    assert api_as(alice).post("/api/v1/platforms/", body, format="json").status_code == 403
    created = api_as(erin).post("/api/v1/platforms/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["domains"] == ["newtube.example"]
    clash = api_as(erin).post("/api/v1/platforms/", {**body, "name": "Other", "domains": ["t.me"]}, format="json")
    assert clash.status_code == 400
    assert Platform.objects.get(name="NewTube").response_hours == 12


def test_it_seeds_the_directory_with_public_platforms(api_as, alice: User) -> None:
    names = {p["name"] for p in api_as(alice).get("/api/v1/platforms/").json()}
    for name in [
        "Telegram",
        "X (Twitter)",
        "Instagram",
        "Facebook",
        "YouTube",
        "TikTok",
        "Discord",
        "Reddit",
        "Google Search",
        "Naver",
        "Daum/Kakao",
        "Unknown site / 기타 사이트",
    ]:
        assert name in names


def test_it_marks_a_place_removed_and_then_reappeared(api_as, alice: User, alices_case: Case) -> None:
    [result] = do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/r/1"])
    sighting = result.sighting
    assert sighting is not None
    api = api_as(alice)
    url = f"/api/v1/cases/{alices_case.pk}/sightings/{sighting.pk}/"
    assert api.patch(url, {"state": "reappeared", "version": 1}, format="json").status_code == 400
    assert api.patch(url, {"state": "removed", "version": 1}, format="json").json()["state"] == "removed"
    assert api.patch(url, {"state": "online", "version": 2}, format="json").json()["state"] == "reappeared"
    # A new draft request is opened for the place that came back.
    assert alices_case.takedowns.filter(status="draft", items__sighting=sighting).count() == 1


def test_it_guesses_the_content_from_the_platform_unless_told(api_as, alice: User, alices_case: Case) -> None:
    api = api_as(alice)
    url = f"/api/v1/cases/{alices_case.pk}/sightings/bulk/"
    api.post(url, {"urls": ["https://t.me/some_room", "https://x.com/u/status/1"]}, format="json")
    kinds = dict(Sighting.objects.filter(case=alices_case).values_list("host", "content_kind"))
    assert kinds == {"t.me": "room", "x.com": "text"}
    api.post(url, {"urls": ["https://t.me/other_room/5"], "content_kind": "video"}, format="json")
    told = [s for s in Sighting.objects.filter(case=alices_case, host="t.me") if s.url.endswith("/5")]
    assert [s.content_kind for s in told] == ["video"]
