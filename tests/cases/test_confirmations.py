"""Changes that cannot be undone ask first and look unlike harmless buttons: a platform's answers,
escalation, and closing a case. Without script the server asks on a page; with it, a dialog does."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import do_transition_case
from cases.actions.closures import do_request_closure
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.models import Case, ClosureRequest, TakedownRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(alice: User, alices_case: Case, regulator: object) -> TakedownRequest:
    do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/r/1", "https://t.me/r/2"])
    [draft] = do_draft_takedowns(actor=alice, case=alices_case)
    return do_transition_takedown(actor=alice, case=alices_case, takedown=draft, status="sent")


def _hidden_fields(page: str) -> dict[str, list[str]]:
    """The confirmation page's form, as a browser without script would post it back."""
    step = page[page.index("confirm-step") :]
    form = step[: step.index("</form>")]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form):
        if name != "csrfmiddlewaretoken":
            fields.setdefault(name, []).append(html.unescape(value))
    return fields


def _buttons(page: str) -> dict[str, str]:
    """data-status -> the button's whole tag."""
    return {m.group(1): m.group(0) for m in re.finditer(r'<button[^>]*data-status="(\w+)"[^>]*>', page)}


def test_it_marks_outcomes_and_escalation_apart_from_harmless_buttons(client_as, alice: User, sent) -> None:
    TakedownRequest.objects.filter(pk=sent.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
    page = client_as(alice).get(f"/takedowns/{sent.pk}/", headers={"accept-language": "en"}).content.decode()
    buttons = _buttons(page)
    assert sorted(buttons) == ["acknowledged", "escalated", "partially_removed", "refused", "removed"]
    for status in ("acknowledged", "removed", "partially_removed"):
        assert 'class="button confirm"' in buttons[status]
    for status in ("refused", "escalated"):
        assert 'class="button danger"' in buttons[status]
    for tag in buttons.values():
        assert 'class="primary"' not in tag and "data-confirm=" in tag
    assert 'data-confirm="Record that Telegram removed every place in this request?' in buttons["removed"]
    assert 'data-confirm="Escalate this request to the regulator?' in buttons["escalated"]


@pytest.mark.parametrize("status", ["acknowledged", "removed", "partially_removed", "refused", "escalated"])
def test_it_asks_before_recording_an_answer(client_as, alice: User, sent, status: str) -> None:
    TakedownRequest.objects.filter(pk=sent.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
    first = sent.items.order_by("sighting_id")[0].sighting_id
    data = {"status": status, "version": sent.version, "removed_sightings": [str(first)], "ticket_number": "T-9"}
    client = client_as(alice)
    asked = client.post(f"/takedowns/{sent.pk}/transition/", data, headers={"accept-language": "en"})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "This cannot be undone." in page or "acknowledged the request?" in page
    assert f'href="/takedowns/{sent.pk}/"' in page  # the way back
    sent.refresh_from_db()
    assert sent.status == "sent"  # nothing changed yet

    fields = _hidden_fields(page)
    assert fields["confirmed"] == ["1"] and fields["status"] == [status] and fields["removed_sightings"] == [str(first)]
    assert client.post(f"/takedowns/{sent.pk}/transition/", fields).status_code == 302
    sent.refresh_from_db()
    assert sent.status == status


def test_it_refuses_an_illegal_answer_at_once_without_asking(client_as, alice: User, sent) -> None:
    # Not overdue: escalation is not a legal move, so there is nothing to confirm.
    response = client_as(alice).post(
        f"/takedowns/{sent.pk}/transition/",
        {"status": "escalated", "version": sent.version},
        follow=True,
        headers={"accept-language": "en"},
    )
    page = response.content.decode()
    assert "only after the platform&#x27;s deadline" in page
    assert "confirm-step" not in page and response.redirect_chain


def test_it_asks_before_a_supervisor_closes_a_case(client_as, alice: User, carol: User, alices_case: Case) -> None:
    do_transition_case(actor=alice, case=alices_case, status="in_progress")
    case = do_transition_case(actor=alice, case=alices_case, status="monitoring")
    client = client_as(carol)
    page = client.get(f"/cases/{case.pk}/", headers={"accept-language": "en"}).content.decode()
    buttons = _buttons(page)
    assert 'class="button danger"' in buttons["closed"] and 'data-confirm="Close this case?"' in buttons["closed"]
    assert 'class="primary"' in buttons["in_progress"]  # harmless moves keep the plain style

    data = {"status": "closed", "version": case.version, "reason": "Everything removed"}
    asked = client.post(f"/cases/{case.pk}/transition/", data, headers={"accept-language": "en"})
    assert asked.status_code == 200 and "Close this case?" in asked.content.decode()
    case.refresh_from_db()
    assert case.status == "monitoring"
    fields = _hidden_fields(asked.content.decode())
    assert fields["reason"] == ["Everything removed"]
    assert client.post(f"/cases/{case.pk}/transition/", fields).status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"


def test_it_asks_before_approving_a_closure_request(client_as, alice: User, carol: User, alices_case: Case) -> None:
    do_transition_case(actor=alice, case=alices_case, status="in_progress")
    case = do_transition_case(actor=alice, case=alices_case, status="monitoring")
    closure = do_request_closure(actor=alice, case=case, reason="All removed")
    client = client_as(carol)
    page = client.get(f"/cases/{case.pk}/", headers={"accept-language": "en"}).content.decode()
    assert re.search(r'<button[^>]*value="approve" class="button danger"[^>]*data-confirm="Approve the request', page)
    url = f"/cases/{case.pk}/closure/{closure.pk}/decision/"
    asked = client.post(url, {"decision": "approve", "version": case.version}, headers={"accept-language": "en"})
    assert asked.status_code == 200 and "Approve the request and close this case?" in asked.content.decode()
    closure.refresh_from_db()
    assert closure.decision == "pending"
    assert client.post(url, _hidden_fields(asked.content.decode())).status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    assert ClosureRequest.objects.get(pk=closure.pk).decision == "approved"


def test_it_declines_a_closure_request_without_asking(client_as, alice: User, carol: User, alices_case: Case) -> None:
    closure = do_request_closure(actor=alice, case=alices_case, reason="")
    response = client_as(carol).post(
        f"/cases/{alices_case.pk}/closure/{closure.pk}/decision/",
        {"decision": "decline", "version": alices_case.version, "reason": "Still online"},
    )
    assert response.status_code == 302
    assert ClosureRequest.objects.get(pk=closure.pk).decision == "declined"


def test_the_confirmation_page_keeps_the_doors(client_as, bob: User, dave: User, sent) -> None:
    for user in (bob, dave):
        response = client_as(user).post(
            f"/takedowns/{sent.pk}/transition/", {"status": "removed", "version": sent.version}
        )
        assert response.status_code == 404
    assert Client().post(f"/takedowns/{sent.pk}/transition/", {"status": "removed"}).status_code == 302
