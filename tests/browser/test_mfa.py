"""A supervisor sets up two-step sign-in in a real browser, in Korean, and signs in with a code and a recovery code."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import AccountEvent, TotpDevice, User
from tests.accounts.two_step import code
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _password(page, user: User, password: str) -> None:
    page.goto(page.base + "/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", password)
    page.click("button.primary")


def _sign_out(page) -> None:
    page.click("text=로그아웃")
    page.wait_for_selector("input[name=username]")


def _serious(page) -> list[tuple[str, int]]:
    violations = Axe().run(page).response["violations"]
    return [(v["id"], len(v["nodes"])) for v in violations if v["impact"] in ("serious", "critical")]


def test_it_sets_up_signs_in_with_a_code_and_uses_a_recovery_code_once(page, carol: User, password: str) -> None:
    # The password alone: a supervisor is sent to set up an authenticator app.
    _password(page, carol, password)
    page.wait_for_selector("text=인증 앱 설정하기")
    assert page.url == page.base + "/accounts/mfa/"
    assert "역할상 비밀번호와 인증 앱의 코드로 로그인해야 합니다." in page.inner_text("main")
    screenshot(page, "mfa-required-ko")
    page.click("button:has-text('인증 앱 설정하기')")
    page.wait_for_selector("img.qr")
    assert page.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 0")
    assert _serious(page) == []
    screenshot(page, "mfa-setup-ko")
    device = TotpDevice.objects.get(user=carol, confirmed=False)
    assert page.inner_text("#secret").replace(" ", "") == device.base32_secret
    page.fill("input[name=name]", "업무용 휴대폰")
    page.fill("input[name=code]", code(device))
    page.click("button:has-text('확인')")
    page.wait_for_selector("#recovery-codes")
    recovery = page.locator("#recovery-codes code").all_inner_texts()
    assert len(recovery) == 10
    assert "2단계 로그인이 켜졌습니다." in page.inner_text("main")
    screenshot(page, "mfa-recovery-codes-ko")
    page.click("text=보관했습니다")
    page.wait_for_selector("text=업무용 휴대폰")
    assert "복구 코드가 10개 남았습니다." in page.inner_text("main")
    screenshot(page, "mfa-overview-ko")
    _sign_out(page)

    # Password, then the app's code (the next 30-second step: the first one was used to set it up).
    _password(page, carol, password)
    page.wait_for_selector("input[name=code]")
    assert page.url == page.base + "/accounts/mfa/verify/"
    screenshot(page, "mfa-verify-ko")
    page.fill("input[name=code]", code(device, 1))
    page.click("button.primary")
    page.wait_for_selector("text=대시보드")
    assert "Carol Park" in page.inner_text("header")
    _sign_out(page)

    # Password, then a recovery code: in, once, and recorded.
    _password(page, carol, password)
    page.wait_for_selector("input[name=code]")
    page.fill("input[name=code]", recovery[0])
    page.click("button.primary")
    page.wait_for_selector("text=대시보드")
    assert "복구 코드로 로그인했습니다" in page.inner_text("main")
    screenshot(page, "mfa-recovery-used-ko")
    assert AccountEvent.objects.filter(subject=carol, kind="recovery_used").count() == 1
    _sign_out(page)

    _password(page, carol, password)
    page.wait_for_selector("input[name=code]")
    page.fill("input[name=code]", recovery[0])
    page.click("button.primary")
    page.wait_for_selector("#code-errors")
    assert "코드가 틀렸거나 이미 사용되었습니다." in page.inner_text("#code-errors")
    assert page.url == page.base + "/accounts/mfa/verify/"
    assert page.input_value("input[name=code]") == ""  # a code is never written back into the page
    screenshot(page, "mfa-recovery-reused-ko")
    assert page.console_errors == []
