"""No victim detail reaches the logs.

tests/logscrub.py records every log record of the whole run, at DEBUG, as the project writes it, and
fails the run if one carries a victim's name, phone, e-mail or content address. Here a victim with
details found nowhere else is planted through the real API and followed along the paths that log:
bad input, refusals, not found, a failed delivery of the message that tells her of an update, and her
own way through the portal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from notifications.dispatcher import deliver, dispatch_due
from notifications.models import Channel, Notification, State
from tests import logscrub
from tests.logscrub import PLANTED


def _record(message: str, *args: object, name: str = "caseflow", **extra: Any) -> logging.LogRecord:
    record = logging.makeLogRecord({"name": name, "msg": message, "args": args, "levelno": logging.WARNING})
    record.__dict__.update(extra)
    return record


def test_it_finds_a_victim_detail_in_a_message_or_an_extra_field(log_recorder: logscrub.Recorder) -> None:
    # A recorder of its own: the session's one would fail the run.
    recorder = logscrub.Recorder(log_recorder.needles)
    recorder.handle(_record("calling %s", PLANTED["contact_phone"]))
    recorder.handle(_record("sent", to=PLANTED["contact_email"].upper()))
    recorder.handle(_record("took down %s", "https://t.me/room/5?x=1"))
    recorder.handle(_record("sent", digits="01048217395"))
    recorder.handle(_record("case %s updated", 42, case_id=42))
    assert [leak.needle for leak in recorder.leaks] == [
        "010-4821-7395",
        PLANTED["contact_email"],
        "t.me/room/",
        "01048217395",
    ]
    assert recorder.records == 5


def test_it_checks_the_line_as_it_is_written(log_recorder: logscrub.Recorder) -> None:
    """Django's "Not Found: /path" carries the path; the project's filter writes the route instead."""
    recorder = logscrub.Recorder(log_recorder.needles)
    recorder.handle(_record("Not Found: %s", f"/x/{PLANTED['victim_name']}", name="django.request"))
    assert recorder.leaks == []
    assert recorder.records == 1


def test_it_records_every_logger_at_debug(log_recorder: logscrub.Recorder) -> None:
    before = log_recorder.records
    logging.getLogger("caseflow.anything").debug("a debug record")
    logging.getLogger("django.db.backends").debug("configured at WARNING for production")
    assert log_recorder.records == before + 2
    assert log_recorder in logging.getLogger().handlers


def _planted_case(api: APIClient) -> dict[str, Any]:
    body = {
        "victim_name": PLANTED["victim_name"],
        "contact_phone": PLANTED["contact_phone"],
        "contact_email": PLANTED["contact_email"],
        "safe_contact_notes": PLANTED["safe_contact_notes"],
        "summary": PLANTED["summary"],
        "consents": {"contact": True},
        "contact_channel": "sms",
    }
    response = api.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["victim_name"] == PLANTED["victim_name"]
    return dict(response.json())


@pytest.mark.usefixtures("platforms")
def test_it_logs_no_detail_of_a_victim_followed_through_the_api(
    alice: User,
    dave: User,
    token_of: Callable[[User], dict[str, str]],
    client_as: Callable[[User], Client],
    log_recorder: logscrub.Recorder,
    django_capture_on_commit_callbacks: Any,
) -> None:
    records, leaks = log_recorder.records, len(log_recorder.leaks)
    api = APIClient(headers=token_of(alice))
    case = _planted_case(api)
    url = f"/api/v1/cases/{case['id']}/"

    # A second report with the same phone is flagged as a possible duplicate.
    again = api.post("/api/v1/cases/", {"victim_name": "X", "contact_phone": PLANTED["contact_phone"]}, format="json")
    assert again.json()["possible_duplicates"]
    # Bad input is a 400 that names the field; the value never reaches a log line.
    bad = {"victim_name": PLANTED["victim_name"], "contact_email": PLANTED["contact_email"].replace(".kr", "@")}
    assert api.post("/api/v1/cases/", bad, format="json").status_code == 400
    assert api.get("/api/v1/cases/", {"q": PLANTED["victim_name"], "is_minor": "perhaps"}).status_code == 400
    assert api.patch(url, {"version": 99, "victim_name": PLANTED["victim_name"]}, format="json").status_code == 409
    for term in (PLANTED["victim_name"], PLANTED["contact_phone"], PLANTED["contact_email"]):
        found = api.post("/api/v1/cases/search/", {"q": term}, format="json")
        assert [row["id"] for row in found.json()["results"]].count(case["id"]) == 1
    # The content address, pasted with a line that is refused.
    lines = {"text": f"{PLANTED['url']}\njavascript:{PLANTED['victim_name']}"}
    assert api.post(f"{url}sightings/bulk/", lines, format="json").json()["created"] == 1
    assert api.post(f"{url}sightings/", {"url": PLANTED["url"]}, format="json").status_code == 409
    assert api.post(f"{url}draft-takedowns/").status_code == 201
    # Another centre asks for her: 404, logged as such.
    assert APIClient(headers=token_of(dave)).get(url).status_code == 404
    # The staff pages: search by phone, and the case page.
    page = client_as(alice)
    assert PLANTED["victim_name"] in page.post("/cases/search/", {"q": PLANTED["contact_phone"]}).content.decode()
    assert page.get(f"/cases/{case['id']}/").status_code == 200

    # A shared note tells her of an update by SMS at the end of the hour; the gateway is not
    # configured, so the delivery fails.
    note = {"body": PLANTED["note"], "visibility": "shared"}
    assert api.post(f"{url}notes/", note, format="json").status_code == 201
    message = Notification.objects.get(group_key=f"victim:case:{case['id']}")
    assert (message.channel, message.address) == (Channel.SMS, PLANTED["contact_phone"])
    handed_out: list[int] = []

    def publish(ids: Sequence[int]) -> int:
        handed_out.extend(ids)
        return len(ids)

    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(now=message.due_at, publish=publish)
    assert message.pk in handed_out
    assert deliver(message.pk) == State.PENDING

    assert log_recorder.records >= records + 6, "the 400s, the 409, the 404 and the failed delivery were logged"
    assert log_recorder.leaks[leaks:] == []


@pytest.mark.usefixtures("platforms")
def test_it_logs_no_detail_of_a_victim_followed_through_the_portal(
    alice: User,
    token_of: Callable[[User], dict[str, str]],
    client_as: Callable[[User], Client],
    log_recorder: logscrub.Recorder,
) -> None:
    records, leaks = log_recorder.records, len(log_recorder.leaks)
    case = _planted_case(APIClient(headers=token_of(alice)))
    staff = client_as(alice)
    # Access issued on the case page: the passphrase is in that answer only.
    issued = staff.post(f"/cases/{case['id']}/portal/issue/")
    shown = re.search(r'id="portal-passphrase"[^>]*>([^<]+)<', issued.content.decode())
    assert shown is not None
    victim = Client()
    wrong = {"reference": case["reference"], "passphrase": "not the six words she was given"}
    assert victim.post("/portal/", wrong).status_code == 400
    assert victim.post("/portal/", {**wrong, "passphrase": shown.group(1)}).status_code == 302
    assert victim.get("/portal/case/").status_code == 200

    # She reports her content's address again, with a line that is refused.
    lines = {"text": f"{PLANTED['url']}\n{PLANTED['url'].replace('/4821', '/9')}\njavascript:{PLANTED['victim_name']}"}
    assert victim.post("/portal/places/", lines).status_code == 200
    # Her contact details: a bad phone (400), then a stale version (409).
    contact = {
        "contact_channel": "email",
        "contact_email": PLANTED["contact_email"],
        "contact_phone": f"{PLANTED['contact_phone']}?",
        "preferred_language": "ko",
        "version": case["version"],
    }
    assert victim.post("/portal/contact/", contact).status_code == 400
    stale = {**contact, "contact_phone": PLANTED["contact_phone"], "version": case["version"] + 50}
    assert victim.post("/portal/contact/", stale).status_code == 409
    # She asks to close; her counsellor reads the places she reported.
    assert victim.post("/portal/close/", {"reason": PLANTED["safe_contact_notes"]}).status_code == 200
    assert staff.get(f"/cases/{case['id']}/").status_code == 200
    assert victim.post("/portal/exit/").status_code == 302
    assert victim.get("/portal/case/").status_code == 302

    assert log_recorder.records >= records + 3, "the 400, the 409 and the portal's sign-in were logged"
    assert log_recorder.leaks[leaks:] == []
