"""Guarantee 5: no message body or subject holds a victim's name, a case summary, a note or a URL."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from notifications.dispatcher import deliver, dispatch_due
from notifications.messages import TEMPLATES, Message, render, render_template
from notifications.models import Channel, Language, Notification, State
from tests.notifications.conftest import Collector

VICTIM_NAME = "김민지"
SUMMARY = "Deepfake images shared in a Telegram room."
NOTE = "She is afraid her employer will see the video."
CONTENT_URL = "https://adult-site.example/watch/8812"
EVERYTHING_A_CASE_HOLDS = {
    "case_id": 12,
    "victim_name": VICTIM_NAME,
    "summary": SUMMARY,
    "note": NOTE,
    "url": CONTENT_URL,
    "contact_email": "minji@example.kr",
    "contact_phone": "010-1234-5678",
    "reference": "K7QM3XPA",
}
LEAKS = [VICTIM_NAME, SUMMARY, NOTE, CONTENT_URL, "adult-site", "minji", "1234", "K7QM"]
# A victim's phone may be seen by the person who hurt them: nothing may say what kind of service writes.
TELLTALE_WORDS = [
    "case", "victim", "sexual", "image", "video", "deepfake", "takedown", "delete", "abuse", "police",
    "사건", "피해", "성적", "영상", "사진", "딥페이크", "삭제", "신고", "경찰", "상담",
]  # fmt: skip
URL_LIKE = re.compile(r"https?://|www\.|\.(com|kr|org|net)\b|/[a-z]", re.IGNORECASE)


def _texts(message: Message) -> str:
    return f"{message.subject}\n{message.body}"


def test_every_template_has_a_korean_and_an_english_text() -> None:
    for key, texts in TEMPLATES.items():
        assert set(texts) == {Language.KOREAN, Language.ENGLISH}, key
        for message in texts.values():
            assert message.subject.strip() and message.body.strip(), key
            assert "\n" not in message.subject, key  # a header line
    # What goes to a victim by SMS fits in one message, also in Korean (70 UCS-2 characters).
    assert all(len(message.body) <= 70 for message in TEMPLATES["victim.case_updated"].values())
    assert re.search(r"[가-힣]", TEMPLATES["victim.case_updated"][Language.KOREAN].body)


@pytest.mark.parametrize("key", sorted(TEMPLATES))
@pytest.mark.parametrize("language", [Language.KOREAN, Language.ENGLISH])
def test_no_template_holds_a_link_or_a_placeholder(key: str, language: str) -> None:
    text = _texts(render_template(key, language))
    assert not URL_LIKE.search(text)
    # The texts take no parameters at all, so no detail can be put into them.
    assert not re.search(r"[{}%<>]", text)


@pytest.mark.parametrize("language", [Language.KOREAN, Language.ENGLISH])
def test_the_message_to_a_victim_does_not_say_what_kind_of_service_writes(language: str) -> None:
    text = _texts(render_template("victim.case_updated", language)).lower()
    assert [word for word in TELLTALE_WORDS if word in text] == []


@pytest.mark.parametrize("key", sorted(TEMPLATES))
@pytest.mark.parametrize("language", [Language.KOREAN, Language.ENGLISH])
def test_the_renderer_ignores_everything_in_params(key: str, language: str) -> None:
    # Built without enqueue(), which would refuse these params: the renderer must not depend on that.
    notification = Notification(template_key=key, language=language, params=EVERYTHING_A_CASE_HOLDS)

    message = render(notification)

    assert message == render_template(key, language)
    assert [leak for leak in LEAKS if leak in _texts(message)] == []


def test_it_uses_korean_for_a_language_without_texts() -> None:
    assert render_template("case.followup_due", "fr") == TEMPLATES["case.followup_due"][Language.KOREAN]


@pytest.mark.django_db
@pytest.mark.parametrize("language", [Language.KOREAN, Language.ENGLISH])
def test_the_email_to_a_victim_holds_only_the_neutral_text(
    language: str, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    notification = Notification.objects.create(
        address="minji@example.kr",
        channel=Channel.EMAIL,
        template_key="victim.case_updated",
        params=EVERYTHING_A_CASE_HOLDS,
        language=language,
        due_at=timezone.now(),
        dedupe_key="victim.case_updated:case:12:2026112514",
    )
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(publish=Collector())

    assert deliver(notification.pk) == State.SENT

    (email,) = mail.outbox
    expected = TEMPLATES["victim.case_updated"][language]
    assert (email.subject, email.body) == (expected.subject, expected.body)
    assert email.to == ["minji@example.kr"]
    assert email.from_email == "no-reply@localhost"
    mime = email.message()
    # Every header but the address itself and the generated Date and Message-ID, and the whole body.
    shown = [value for name, value in mime.items() if name not in {"To", "Date", "Message-ID"}]
    shown.append(mime.get_content())
    assert [leak for leak in LEAKS for text in shown if leak in str(text)] == []
    assert not email.attachments


PORTAL = "https://help.example.kr/portal/"


@pytest.mark.parametrize("language", [Language.KOREAN, Language.ENGLISH])
def test_it_gives_a_victim_exactly_one_link_the_portal_from_the_setting(settings, language: str) -> None:
    settings.PORTAL_BASE_URL = PORTAL
    notification = Notification(template_key="victim.case_updated", language=language, params=EVERYTHING_A_CASE_HOLDS)

    message = render(notification)

    assert message.body.endswith(" " + PORTAL)
    assert URL_LIKE.findall(message.body.replace(PORTAL, "")) == []
    assert len(message.body) <= (160 if message.body.isascii() else 70)
    assert [leak for leak in LEAKS if leak in _texts(message)] == []


@pytest.mark.parametrize("key", sorted(k for k in TEMPLATES if not k.startswith("victim.")))
def test_it_never_puts_the_portal_link_in_staff_messages(settings, key: str) -> None:
    settings.PORTAL_BASE_URL = PORTAL
    message = render(Notification(template_key=key, language=Language.KOREAN, params={}))
    assert not URL_LIKE.search(_texts(message))


def test_it_leaves_out_a_portal_link_too_long_for_one_sms(settings) -> None:
    settings.PORTAL_BASE_URL = "https://" + "a" * 60 + ".example/portal/"
    message = render(Notification(template_key="victim.case_updated", language=Language.KOREAN, params={}))
    assert message == render_template("victim.case_updated", Language.KOREAN)
    from django.core.checks import registry

    from notifications.checks import portal_link_fits_one_sms

    assert portal_link_fits_one_sms in registry.registry.get_checks()
    assert [m.id for m in portal_link_fits_one_sms()] == ["notifications.W001"]


def test_it_refuses_a_portal_address_with_a_query(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.PORTAL_BASE_URL = "https://help.example.kr/portal/?case=1"
    with pytest.raises(ImproperlyConfigured):
        render(Notification(template_key="victim.case_updated", language=Language.KOREAN, params={}))
