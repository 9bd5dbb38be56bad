"""Two-step sign-in: setting up an authenticator app, the code after the password, recovery codes, removal."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import mfa, models
from accounts.models import AccountEvent, RecoveryCode, RecoveryCodeDevice, TotpDevice, User
from notifications.models import Channel, Notification
from tests.accounts.two_step import code, code_step, enrol, password_step, wrong_code
from tests.factories import authenticator

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/mfa/verify/"


class Clock:
    """The clock authenticator codes are checked by, moved by whole 30-second steps."""

    def __init__(self) -> None:
        self.now = time.time()

    def advance(self, steps: int = 1) -> None:
        self.now += steps * TotpDevice.STEP


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(models, "totp_clock", lambda: moved.now)
    return moved


def _notices(user: User) -> set[tuple[str, str]]:
    return set(Notification.objects.filter(recipient=user).values_list("template_key", "channel"))


def _events(user: User) -> list[tuple[str, str, str]]:
    return list(user.account_events.order_by("pk").values_list("kind", "old", "new"))


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- Setting it up ---------------------------------------------------------------------------------


def test_it_sets_up_an_authenticator_app_and_shows_ten_recovery_codes_once(client_as, alice: User, carol: User) -> None:
    client = client_as(alice)
    overview = client.get("/accounts/mfa/", headers={"accept-language": "en"}).content.decode()
    assert "Two-step sign-in is off" in overview
    device, codes = enrol(client, alice, name="Galaxy")
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[2-9a-hjkmnp-tw-z]{4}(-[2-9a-hjkmnp-tw-z]{4}){3}", c) for c in codes)
    assert device.name == "Galaxy"
    assert _events(alice) == [("mfa_added", "", "Galaxy")]
    assert _notices(alice) == {("account.yours_mfa_added", Channel.INBOX), ("account.yours_mfa_added", Channel.EMAIL)}
    # Routine for her supervisor: not told.
    assert _notices(carol) == set()
    # Shown once: the overview counts them and shows none.
    page = client.get("/accounts/mfa/", headers={"accept-language": "en"}).content.decode()
    assert "10 recovery codes left." in page and "Galaxy" in page
    assert not any(c in page for c in codes)


def test_it_shows_the_secret_as_a_qr_code_made_here_and_as_text(client_as, alice: User) -> None:
    client = client_as(alice)
    setup = client.post("/accounts/mfa/setup/")["Location"]
    page = client.get(setup, headers={"accept-language": "ko"}).content.decode()
    device = TotpDevice.objects.get(user=alice)
    assert "인증 앱 설정" in page
    image = re.search(r'<img class="qr" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert image
    svg = base64.b64decode(image.group(1)).decode()
    assert svg.startswith("<?xml") or svg.startswith("<svg")
    assert "<script" not in svg
    grouped = " ".join(device.base32_secret[i : i + 4] for i in range(0, 32, 4))
    assert grouped in page
    assert device.config_url("caseflow").startswith("otpauth://totp/caseflow%3Aalice%40seoul.test?secret=")


def test_it_keeps_the_secret_encrypted_and_only_digests_of_recovery_codes(client_as, alice: User) -> None:
    device, codes = enrol(client_as(alice), alice)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice WHERE id = %s", [device.pk])
        [stored] = cursor.fetchone()
    assert stored.startswith("gAAAAA") and device.secret not in stored
    digests = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert digests == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}


def test_it_refuses_a_wrong_first_code_and_keeps_the_app_unconfirmed(client_as, alice: User) -> None:
    client = client_as(alice)
    setup = client.post("/accounts/mfa/setup/")["Location"]
    device = TotpDevice.objects.get(user=alice)
    wrong = wrong_code(device)
    page = client.post(setup, {"name": "Phone", "code": wrong}, headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "The code is wrong or was already used." in page.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not mfa.has_authenticator(alice)
    assert AccountEvent.objects.count() == 0


def test_it_never_shows_another_accounts_new_app(client_as, alice: User, bob: User) -> None:
    client_as(bob).post("/accounts/mfa/setup/")
    bobs = TotpDevice.objects.get(user=bob)
    assert client_as(alice).get(f"/accounts/mfa/setup/{bobs.pk}/").status_code == 404


# --- Signing in with a code ------------------------------------------------------------------------


def test_it_asks_for_the_code_after_the_password_and_signs_in_with_it(
    client_as, alice: User, password: str, clock: Clock
) -> None:
    device, _codes = enrol(client_as(alice), alice)
    client = Client()
    first = password_step(client, alice, password, next_url="/cases/search/")
    assert first["Location"] == VERIFY
    # The password alone signs nobody in.
    assert not _signed_in(client)
    assert client.get("/").status_code == 302
    page = client.get(VERIFY, headers={"accept-language": "ko"}).content.decode()
    assert "2단계 로그인" in page and "복구 코드" in page
    clock.advance()
    response = code_step(client, code(device))
    assert response["Location"] == "/cases/search/"
    assert _signed_in(client)
    assert client.get("/").status_code == 200


def test_it_refuses_a_wrong_code_and_counts_it_as_a_failed_sign_in(
    client_as, alice: User, password: str, clock: Clock
) -> None:
    device, _codes = enrol(client_as(alice), alice)
    client = Client()
    password_step(client, alice, password)
    clock.advance()
    wrong = wrong_code(device)
    page = code_step(client, wrong)
    assert page.status_code == 200
    assert "코드가 틀렸거나 이미 사용되었습니다" in page.content.decode()
    assert not _signed_in(client)
    assert AccessAttempt.objects.get(username=alice.email).failures_since_start == 1
    # Right away, even the right code waits: each wrong code makes the app wait longer (1 s, 2 s, 4 s …).
    waiting = code_step(client, code(device), address="10.0.0.1")
    assert not _signed_in(client)
    assert "다시 시도하세요" in waiting.content.decode()


def test_it_locks_the_sign_in_after_five_wrong_codes(client_as, alice: User, password: str) -> None:
    device, _codes = enrol(client_as(alice), alice)
    client = Client()
    password_step(client, alice, password)
    answers = [code_step(client, wrong_code(device)).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    # The waiting sign-in is gone, and the password is refused at that address until the lockout ends.
    assert client.get(VERIFY)["Location"] == "/accounts/login/"
    assert password_step(client, alice, password).status_code == 429
    assert password_step(Client(), alice, password, address="10.9.9.9")["Location"] == VERIFY


def test_it_makes_the_app_wait_a_quarter_of_an_hour_at_most(alice: User) -> None:
    device = authenticator(alice)
    # Thirty wrong codes would mean a wait of years (2 ** 29 s); it stops at MFA_MAX_WAIT.
    failed_at = timezone.now() - timedelta(minutes=14)
    TotpDevice.objects.filter(pk=device.pk).update(throttling_failure_count=30, throttling_failure_timestamp=failed_at)
    waiting = mfa.check_code(alice, code(device))
    assert waiting.device is None
    assert waiting.wait_until == failed_at + models.MFA_MAX_WAIT
    TotpDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=failed_at - timedelta(minutes=1))
    assert mfa.check_code(alice, code(device)).device is not None


def test_it_refuses_a_replayed_code(client_as, alice: User, password: str, clock: Clock, settings) -> None:
    # No wait after the refused code here (that wait is tested above): the next code is tried at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device, _codes = enrol(client_as(alice), alice)
    clock.advance()
    used = code(device)
    client = Client()
    password_step(client, alice, password)
    assert code_step(client, used)["Location"] == "/"
    client.post("/accounts/logout/")
    again = Client()
    password_step(again, alice, password)
    page = code_step(again, used)
    assert page.status_code == 200
    assert not _signed_in(again)
    clock.advance()
    assert code_step(again, code(device))["Location"] == "/"


def test_it_signs_in_with_a_recovery_code_once_and_records_it(
    client_as, alice: User, carol: User, password: str
) -> None:
    _device, codes = enrol(client_as(alice), alice)
    client = Client()
    password_step(client, alice, password)
    # As typed on a phone: capitals, spaces instead of dashes.
    typed = codes[3].upper().replace("-", " ")
    response = code_step(client, typed)
    assert response["Location"] == "/"
    assert _signed_in(client)
    assert "복구 코드로 로그인했습니다" in client.get("/").content.decode()
    assert _events(alice)[-1] == ("recovery_used", "", "9")
    assert RecoveryCode.objects.count() == 9
    assert ("account.yours_recovery_used", Channel.EMAIL) in _notices(alice)
    assert _notices(carol) == {("account.recovery_used", Channel.INBOX), ("account.recovery_used", Channel.EMAIL)}
    event = AccountEvent.objects.get(kind="recovery_used")
    shown = client.get(f"/accounts/changes/{event.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "9 recovery codes left" in shown
    # Once only.
    client.post("/accounts/logout/")
    again = Client()
    password_step(again, alice, password)
    assert code_step(again, codes[3]).status_code == 200
    assert not _signed_in(again)
    assert AccountEvent.objects.filter(kind="recovery_used").count() == 1


def test_it_forgets_a_waiting_sign_in_after_five_minutes(
    client_as, alice: User, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    device, _codes = enrol(client_as(alice), alice)
    client = Client()
    password_step(client, alice, password)
    later = time.time() + mfa.PENDING_SECONDS + 1
    monkeypatch.setattr(mfa.time, "time", lambda: later)
    assert client.get(VERIFY)["Location"] == "/accounts/login/"
    assert code_step(client, code(device, 1))["Location"] == "/accounts/login/"
    assert not _signed_in(client)


def test_it_forgets_a_waiting_sign_in_when_the_password_changes(
    client_as, alice: User, password: str, clock: Clock
) -> None:
    device, _codes = enrol(client_as(alice), alice)
    client = Client()
    password_step(client, alice, password)
    alice.set_password("another long passphrase 77")
    alice.save()
    clock.advance()
    assert code_step(client, code(device))["Location"] == "/accounts/login/"
    assert not _signed_in(client)


def test_it_signs_in_without_a_code_who_neither_must_nor_chose_to(alice: User, password: str) -> None:
    client = Client()
    assert password_step(client, alice, password)["Location"] == "/"
    assert client.get("/").status_code == 200


# --- Managing it -----------------------------------------------------------------------------------


def test_it_makes_new_recovery_codes_for_a_current_code(client_as, alice: User, clock: Clock, settings) -> None:
    # Refused codes below would make the next ones wait (tested on its own above).
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    client = client_as(alice)
    device, old = enrol(client, alice)
    # The code that set the app up does not count twice.
    assert client.post("/accounts/mfa/recovery-codes/", {"code": code(device)}).status_code == 400
    clock.advance(2)
    page = client.post("/accounts/mfa/recovery-codes/", {"code": code(device)})
    assert page.status_code == 200
    new = re.findall(r"<code>([a-z0-9-]{19})</code>", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert _events(alice)[-1] == ("recovery_renewed", "", "")
    assert ("account.yours_recovery_renewed", Channel.INBOX) in _notices(alice)
    # The old codes stop working.
    assert mfa.check_code(alice, old[0]).device is None
    assert isinstance(mfa.check_code(alice, new[0]).device, RecoveryCodeDevice)


def test_it_removes_an_authenticator_app_for_a_current_code(
    client_as, alice: User, carol: User, password: str, clock: Clock
) -> None:
    client = client_as(alice)
    device, _codes = enrol(client, alice, name="Old phone")
    assert client.post(f"/accounts/mfa/apps/{device.pk}/remove/", {"code": ""}).status_code == 400
    clock.advance()
    response = client.post(f"/accounts/mfa/apps/{device.pk}/remove/", {"code": code(device)})
    assert response["Location"] == "/accounts/mfa/"
    assert not TotpDevice.objects.filter(user=alice).exists()
    # Nothing left to recover: the recovery codes went with the last app.
    assert not RecoveryCodeDevice.objects.filter(user=alice).exists()
    assert _events(alice)[-1] == ("mfa_removed", "Old phone", "")
    assert ("account.mfa_removed", Channel.EMAIL) in _notices(carol)
    # A counsellor (not required by default) signs in with her password alone again.
    assert password_step(Client(), alice, password)["Location"] == "/"


def test_it_never_removes_another_accounts_app(client_as, alice: User, bob: User) -> None:
    bobs = authenticator(bob)
    client = client_as(alice)
    enrol(client, alice)
    assert client.post(f"/accounts/mfa/apps/{bobs.pk}/remove/", {"code": code(bobs)}).status_code == 404
    assert TotpDevice.objects.filter(pk=bobs.pk).exists()


def test_it_needs_the_code_before_anything_can_be_changed(client_as, alice: User) -> None:
    device = authenticator(alice)
    # Signed in with the password only (a session from before the app, say): only the code page answers.
    client = Client()
    client.force_login(alice)
    assert client.get("/accounts/mfa/")["Location"] == VERIFY
    assert client.post("/accounts/mfa/setup/")["Location"] == VERIFY
    assert client.post("/accounts/mfa/recovery-codes/", {"code": code(device)})["Location"] == VERIFY
    assert client.post(f"/accounts/mfa/apps/{device.pk}/remove/", {"code": code(device)})["Location"] == VERIFY
    assert TotpDevice.objects.filter(user=alice).count() == 1
    page = client.get("/", headers={"accept-language": "en"})
    assert page.status_code == 403
    assert f'href="{VERIFY}"' in page.content.decode()
    assert code_step(client, code(device))["Location"] == "/"
    assert client.get("/").status_code == 200


def test_it_rotates_the_secret_with_the_field_keys(client_as, alice: User, settings) -> None:
    device, _codes = enrol(client_as(alice), alice)
    old_key, new_key = settings.CASEFLOW_FIELD_KEYS[0], Fernet.generate_key().decode()
    settings.CASEFLOW_FIELD_KEYS = [new_key, old_key]
    call_command("rotate_field_keys", stdout=StringIO())
    settings.CASEFLOW_FIELD_KEYS = [new_key]
    assert TotpDevice.objects.get(pk=device.pk).secret == device.secret


@pytest.mark.parametrize("change", ["removed", "unconfirmed", "another's", "garbled id", "huge id", "other kind"])
def test_a_session_stays_verified_only_by_a_confirmed_app_of_hers(
    client_as, carol: User, bob: User, change: str
) -> None:
    """The session names the app that accepted the code, and every request reads that app again (one
    hand-written SELECT, accounts.middleware.OTPMiddleware): an app removed, unconfirmed or moved to
    someone else, or a name that is not an app of hers, leaves the session owing a code."""
    client = client_as(carol)
    assert client.get("/cases/").status_code == 200
    device = authenticator(carol)
    named = {
        "garbled id": f"{device.persistent_id}x",
        "huge id": f"{TotpDevice.model_label()}/{'9' * 40}",
        "other kind": f"accounts.recoverycodedevice/{device.pk}",
    }
    if change == "removed":
        TotpDevice.objects.filter(pk=device.pk).delete()
    elif change == "unconfirmed":
        TotpDevice.objects.filter(pk=device.pk).update(confirmed=False)
    elif change == "another's":
        TotpDevice.objects.filter(pk=device.pk).update(user=bob)
    else:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = named[change]
        session.save()
    page = client.get("/cases/")
    assert page.status_code == 403
    assert "_auth_user_id" in client.session  # still signed in, owing the code
