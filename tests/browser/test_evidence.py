"""A counsellor uploads an image on the case page, sees its hashes, and sees the match with her other
case that holds a recompressed copy; at 390 and 1280 px, in Korean and English, with no serious axe
violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import User
from cases.actions.cases import Consents
from cases.actions.evidence import do_add_evidence
from cases.hashing import hash_upload
from cases.models import Evidence
from tests.browser.conftest import screenshot, sign_in
from tests.cases.conftest import open_case
from tests.conftest import ensure_platforms
from tests.evidence_media import jpeg, recompressed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_it_uploads_an_image_and_shows_its_hash_and_the_match(
    browser, live_server, tmp_path, alice: User, password: str, language: str
) -> None:
    ensure_platforms()
    first = open_case(alice, victim_name="한가람")
    second = open_case(alice, victim_name="정다온")
    (tmp_path / "first.jpg").write_bytes(jpeg(21))
    (tmp_path / "copy.jpg").write_bytes(recompressed(21))
    context = browser.new_context(locale=f"{language}-KR", extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    sign_in(page, live_server.url, alice, password)
    for case, name in ((first, "first.jpg"), (second, "copy.jpg")):
        page.goto(f"{live_server.url}/cases/{case.pk}/")
        page.set_input_files("#evidence-file", str(tmp_path / name))
        page.click("#upload-evidence")
        page.wait_for_load_state()
        assert page.url.endswith(f"/cases/{case.pk}/#evidence")
    evidence = Evidence.objects.get(case=second)
    section = page.locator("#evidence")
    assert section.locator("code.sha256").inner_text() == evidence.sha256
    assert section.locator("code.pdq").inner_text() == evidence.hashes.get().pdq
    assert section.locator(".matches a").inner_text() == first.display_reference
    problems = []
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/cases/{second.pk}/#evidence")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"{width}px: {overflow}px wider than the screen")
        violations = Axe().run(page).response["violations"]
        problems += [f"{width}px: {v['id']}" for v in violations if v["impact"] in ("serious", "critical")]
        page.locator("#evidence").screenshot(path=str(screenshot(page, f"evidence-{language}-{width}")))
    # The link leads to the other case, whose page shows the match back.
    page.click("#evidence .matches a")
    page.wait_for_load_state()
    assert page.locator("#evidence .matches a").inner_text() == second.display_reference
    context.close()
    assert problems == []


def test_it_shows_a_kept_file_in_its_own_tab_under_a_strict_policy(page, alice: User, password: str) -> None:
    """With consent to keep files, the case page links to the copy without metadata; it opens alone,
    sandboxed, and neither page breaks its Content-Security-Policy."""
    ensure_platforms()
    case = open_case(alice, victim_name="한가람", consents=Consents(keep_evidence=True))
    evidence = do_add_evidence(actor=alice, case=case, data=jpeg(22), hashed=hash_upload(jpeg(22))).evidence
    sign_in(page, page.base, alice, password)
    page.goto(f"{page.base}/cases/{case.pk}/#evidence")
    link = page.locator(f"#evidence-{evidence.pk} a[href$='/file/']")
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    answer = tab.reload()
    assert answer is not None and answer.headers["content-type"] == "image/jpeg"
    assert "sandbox" in answer.headers["content-security-policy"]
    assert tab.evaluate("document.images[0].naturalWidth") > 0
    assert errors == [] and page.console_errors == []
