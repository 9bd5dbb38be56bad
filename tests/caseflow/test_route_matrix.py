"""Who reaches what: every URL pattern, called by each role, answers as the access table says.

The routes come from the URL configuration, so a new route with no rule below fails
test_it_answers_each_role_as_the_route_rule_says until someone decides, here, who may use it. Path parameters are
real objects of alice's case (and, for the admin site, real rows), so a 404 means "not yours", never
"no such thing": the owner's 2xx in the same row proves the ids exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from knox.models import AuthToken

from accounts.actions import do_send_password_link, do_start_authenticator
from accounts.models import AccountEvent, TotpDevice, User
from cases.actions.cases import do_update_case
from cases.actions.closures import do_request_closure
from cases.actions.evidence import do_add_evidence
from cases.actions.followups import do_set_followup
from cases.actions.guardians import do_set_guardian
from cases.actions.portal import IssuedAccess, do_issue_portal_access
from cases.actions.safety import do_add_crisis_line, do_add_oncall_shift, do_assess_risk
from cases.hashing import hash_upload
from cases.models import (
    Case,
    ClosureRequest,
    CrisisLine,
    Escalation,
    FollowUp,
    Guardian,
    LegalDuty,
    LetterTemplate,
    OnCallShift,
    Partner,
    Platform,
    Referral,
)
from notifications.models import Notification
from tests.caseflow.conftest import World
from tests.caseflow.routes import PARAMETER, all_routes
from tests.cases.conftest import open_case
from tests.evidence_media import jpeg
from tests.factories import authenticator, sign_in

ROLES = ("owner", "colleague", "supervisor", "administrator", "outsider", "signed_out")
# Beside status codes, what an expected answer may be:
LOGIN = "to the sign-in page"  # 302 to /accounts/login/
ADMIN_LOGIN = "to the admin's sign-in page"  # 302 to /admin/login/
REFUSED = "401 or 403"  # an API call without credentials
PORTAL = "to the portal's sign-in page"  # 302 to /portal/: a staff session counts for nothing there


@dataclass(frozen=True)
class Of:
    """A value of a request body read from the real rows when the probe is sent: the version a page
    showed, a passphrase issued in the fixture. Every write names the version it was based on."""

    read: Callable[[Objects], Any]


@dataclass(frozen=True)
class Probe:
    """One request to a route and the answer each role gets."""

    method: str
    expect: dict[str, int | str]
    data: dict[str, Any] | Of = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


CASE_VERSION = Of(lambda objects: objects.world.case.version)
SIGHTING_VERSION = Of(lambda objects: objects.world.sighting.version)
TAKEDOWN_VERSION = Of(lambda objects: objects.world.takedown.version)
REFERRAL_VERSION = Of(lambda objects: objects.referral.version)
PLATFORM_VERSION = Of(lambda objects: Platform.objects.get(pk=objects.world.sighting.platform_id).version)


def case_content(method: str, ok: int, *, signed_out: str = LOGIN, **data: Any) -> Probe:
    """Alice's case or a child of it: hers and her supervisor's; not found for anyone else of staff."""
    expect = {"owner": ok, "colleague": 404, "supervisor": ok, "administrator": 403, "outsider": 404}
    return Probe(method, {**expect, "signed_out": signed_out}, data)


def case_api(method: str, ok: int, **data: Any) -> Probe:
    return case_content(method, ok, signed_out=REFUSED, **data)


def centre_staff(method: str, ok: int, *, signed_out: str = LOGIN, **data: Any) -> Probe:
    """Counsellors and supervisors of any centre, each seeing her own; administrators see no case."""
    expect = {"owner": ok, "colleague": ok, "supervisor": ok, "administrator": 403, "outsider": ok}
    return Probe(method, {**expect, "signed_out": signed_out}, data)


def supervisors(method: str, *, signed_out: str = LOGIN) -> Probe:
    expect = {"owner": 403, "colleague": 403, "supervisor": 200, "administrator": 403, "outsider": 403}
    return Probe(method, {**expect, "signed_out": signed_out})


def rota_keepers(method: str, ok: int, **data: Any) -> Probe:
    """The on-call rota of one's own centre: supervisors and administrators; counsellors are refused."""
    expect = {"owner": 403, "colleague": 403, "supervisor": ok, "administrator": ok, "outsider": 403}
    return Probe(method, {**expect, "signed_out": LOGIN}, data)


def rota_api(method: str, ok: int, **data: Any) -> Probe:
    """The rota through the API: as the page (another centre's supervisor finding none of its rows is
    in tests/cases/test_rota_api.py: no role here is another centre's supervisor)."""
    return Probe(method, {**rota_keepers(method, ok).expect, "signed_out": REFUSED}, data)


def signed_in(method: str, ok: int, *, signed_out: int | str = LOGIN, **data: Any) -> Probe:
    """Anyone signed in, administrators included (their own inbox, their own token, the schema)."""
    return Probe(method, {**dict.fromkeys(ROLES[:-1], ok), "signed_out": signed_out}, data)


def everyone(method: str, status: int | str, **data: Any) -> Probe:
    return Probe(method, dict.fromkeys(ROLES, status), data)


def portal_page(method: str) -> Probe:
    """A page of the victim's portal: only a portal session opens it; staff and strangers go to its sign-in."""
    return everyone(method, PORTAL)


def admin_site(method: str, status: int, **data: Any) -> Probe:
    """Django's admin site: administrators only; everyone else is sent to its sign-in page."""
    return Probe(method, {**dict.fromkeys(ROLES, ADMIN_LOGIN), "administrator": status}, data)


def admin_model(
    path: str,
    *,
    changelist: int,
    add: int,
    change: int,
    delete: int,
    history: int = 200,
    more: dict[str, list[Probe]] | None = None,
) -> dict[str, list[Probe]]:
    """The pages Django's admin makes for one registered model, e.g. `accounts_user`."""
    app, _sep, model = path.partition("_")
    return {
        f"admin:{path}_changelist": [admin_site("get", changelist)],
        f"admin:{path}_add": [admin_site("get", add)],
        f"admin:{path}_change": [admin_site("get", change)],
        f"admin:{path}_delete": [admin_site("get", delete)],
        f"admin:{path}_history": [admin_site("get", history)],
        # `<object_id>/` redirects to the change page (before any permission of the model is asked).
        f"admin:<unnamed admin/{app}/{model}/{{object_id}}/>": [admin_site("get", 302)],
        **(more or {}),
    }


RULES: dict[str, list[Probe]] = {
    # --- Public ---------------------------------------------------------------------------------
    "healthz": [everyone("get", 200)],
    "readyz": [everyone("get", 200)],
    "accounts:login": [Probe("get", {**dict.fromkeys(ROLES[:-1], 302), "signed_out": 200})],
    "accounts:logout": [everyone("post", 302)],
    "set_language": [everyone("post", 302, language="en")],
    "api-token": [everyone("post", 400)],
    # The link mailed to an account's own address: whoever holds it chooses the password (Django moves
    # the token into the session and redirects); a wrong token is a page that says so.
    "accounts:password_reset_confirm": [
        everyone("get", 302),
        Probe("get", dict.fromkeys(ROLES, 200), params={"token": "0-not-a-token"}),
    ],
    "accounts:password_reset_complete": [everyone("get", 200)],
    # Two-step sign-in (every signed-in role here has entered its code if it owes one; alice, bob and
    # dave are counsellors, who need not). What an unverified session may do on these pages is in
    # tests/accounts/test_mfa.py; that it reaches nothing else, in tests/caseflow/test_urls_unverified.py.
    "accounts:mfa": [signed_in("get", 200)],
    # Nobody waits for a code here: a verified session goes on, one with no app is sent to set one up.
    "accounts:mfa_verify": [signed_in("get", 302), signed_in("post", 302)],
    "accounts:mfa_setup": [signed_in("post", 302)],
    # Alice's app being set up: hers alone.
    "accounts:mfa_setup_confirm": [
        Probe("get", {**dict.fromkeys(ROLES[:-1], 404), "owner": 200, "signed_out": LOGIN}),
        Probe("post", {**dict.fromkeys(ROLES[:-1], 404), "owner": 200, "signed_out": LOGIN}),
    ],
    # Without a code: refused (400) to a verified session with an app; sent to the code page otherwise.
    "accounts:mfa_renew": [
        Probe("post", {**dict.fromkeys(ROLES[:-1], 302), "supervisor": 400, "administrator": 400, "signed_out": LOGIN})
    ],
    # Erin's app: only she may remove it (with a code); another verified session does not find it.
    "accounts:mfa_remove": [
        Probe(
            "post",
            {**dict.fromkeys(ROLES[:-1], 302), "supervisor": 404, "administrator": 400, "signed_out": LOGIN},
        )
    ],
    # A recorded change to alice's account: hers, and her centre's supervisors' and administrators'.
    "accounts:event": [
        Probe(
            "get",
            {
                "owner": 200,
                "colleague": 404,
                "supervisor": 200,
                "administrator": 200,
                "outsider": 404,
                "signed_out": LOGIN,
            },
        )
    ],
    # --- The victim's portal: her own session only; no staff session opens a page of it ------------
    "portal:sign_in": [
        everyone("get", 200),
        # The reference and passphrase are the credential, whoever is signed in to the staff side.
        everyone("post", 302, reference=Of(lambda o: o.issued.reference), passphrase=Of(lambda o: o.issued.passphrase)),
    ],
    "portal:progress": [portal_page("get")],
    "portal:places": [portal_page("get"), portal_page("post")],
    "portal:contact": [portal_page("get"), portal_page("post")],
    "portal:consents": [portal_page("get"), portal_page("post")],
    "portal:close": [portal_page("get"), portal_page("post")],
    "portal:sign_out": [everyone("post", PORTAL)],
    "portal:exit": [everyone("post", 302)],  # to a neutral site, session or not
    # --- Staff pages ----------------------------------------------------------------------------
    "cases:dashboard": [Probe("get", {**centre_staff("get", 200).expect, "administrator": 302})],
    "cases:list": [centre_staff("get", 200)],
    # A supervisor assigns cases of the list in bulk, each at the version the list showed; for anyone
    # else it is the wrong role (403), as STYLE asks: the route names no case, so nothing is revealed.
    "cases:bulk_assign": [
        Probe(
            "post",
            {
                "owner": 403,
                "colleague": 403,
                "supervisor": 302,
                "administrator": 403,
                "outsider": 403,
                "signed_out": LOGIN,
            },
            Of(
                lambda o: {
                    "case": [o.world.case.pk],
                    f"version_{o.world.case.pk}": o.world.case.version,
                    "assigned_to": o.colleague_id,
                }
            ),
        )
    ],
    "cases:intake": [centre_staff("get", 200), centre_staff("post", 200)],
    "cases:search": [centre_staff("get", 200), centre_staff("post", 200, q="김민지")],
    "cases:takedowns_due": [centre_staff("get", 200)],
    "cases:failed_deliveries": [supervisors("get")],
    # --- Reports: supervisors their centre; a counsellor her own workload row only; administrators none.
    "reports:index": [centre_staff("get", 200)],
    "reports:report": [
        Probe("get", {**centre_staff("get", 200).expect}, params={"name": "workload"}),
        Probe("get", {**supervisors("get").expect}, params={"name": "ageing"}),
        Probe("get", dict.fromkeys(ROLES[:-1], 404) | {"signed_out": LOGIN}, params={"name": "nothing"}),
    ],
    "reports:csv": [Probe("get", {**supervisors("get").expect}, params={"name": "ageing", "table": "ages"})],
    "cases:detail": [case_content("get", 200)],
    "cases:edit": [case_content("get", 200), case_content("post", 400)],
    "cases:transition": [case_content("post", 302, status="in_progress", version=CASE_VERSION)],
    "cases:assign": [case_content("post", 400)],
    "cases:add_note": [case_content("post", 400)],
    "cases:add_sightings": [case_content("post", 400)],
    "cases:sighting_state": [case_content("post", 302, state="removed", version=SIGHTING_VERSION)],
    "cases:draft_takedowns": [case_content("post", 302)],
    # Evidence: an upload without a file is refused on the page; a kept file's copy is shown to who
    # may read the case; proposing no place is refused with a message (redirect).
    "cases:upload_evidence": [case_content("post", 400)],
    "cases:evidence_file": [case_content("get", 200)],
    "cases:add_proposed_sightings": [case_content("post", 302)],
    # The victim of alice's case consented to hash matching (_kept_evidence): her hashes may be shared.
    "cases:share_hashes": [case_content("post", 302)],
    "cases:hash_bank_export": [supervisors("get")],
    # With consent to share with the police (_kept_evidence), a pack without a reason is refused.
    "cases:police_pack": [case_content("post", 400)],
    "cases:add_followup": [case_content("post", 400)],
    # A follow-up of alice's case, done or snoozed: without a version, a 400 for those who may.
    "cases:followup_done": [case_content("post", 400)],
    "cases:followup_snooze": [case_content("post", 400)],
    "cases:takedown": [case_content("get", 200), case_content("post", 400)],
    # Referrals: proposed on alice's case, each referral's page and moves.
    "cases:propose_referral": [case_content("post", 400)],
    "cases:referral": [case_content("get", 200)],
    "cases:referral_transition": [case_content("post", 302, status="consented", version=REFERRAL_VERSION)],
    # Platforms' replies: the centre's queue is the supervisors'; a matched reply is read and confirmed
    # like its request; a kept attachment downloads like one.
    "cases:replies": [supervisors("get")],
    "cases:reply": [
        case_content("get", 200),
        case_content("post", 302, do="confirm", status="acknowledged", version=TAKEDOWN_VERSION),
    ],
    "cases:reply_attachment": [case_content("get", 200)],
    "cases:keep_attachments": [case_content("post", 302, keep="on", version=TAKEDOWN_VERSION)],
    "cases:takedown_transition": [case_content("post", 302, status="sent", channel="email", version=TAKEDOWN_VERSION)],
    # The victim's portal access, issued (the passphrase shown once) and revoked on the case page.
    "cases:issue_portal": [case_content("post", 200)],
    "cases:revoke_portal": [case_content("post", 302)],
    # The counsellor asks to close; a supervisor decides (on another case of alice's, with a request waiting).
    "cases:request_closure": [case_content("post", 302, reason="She wants to stop here.")],
    "cases:decide_closure": [
        Probe(
            "post",
            {**case_content("post", 302).expect, "owner": 403},
            {
                "decision": "decline",
                "reason": "Two places are still online.",
                "version": Of(lambda o: o.closing.version),
            },
        )
    ],
    # Keeping a closed case longer: a supervisor's decision (alice's case is open: a refusal that names it).
    "cases:extend_retention": [
        case_content("post", 400),
        Probe(
            "post",
            {**case_content("post", 400).expect, "owner": 403},
            {"until": "2040-01-01", "reason": "A court case is pending.", "version": CASE_VERSION},
        ),
    ],
    # The victim's rights: an export for whoever may read the case; an erasure asked (a form without its
    # reason goes back to the case page) and decided by a supervisor (no request waits: refused, 302).
    "cases:export": [case_content("post", 200, format="json"), case_content("post", 400)],
    "cases:request_erasure": [case_content("post", 302)],
    "cases:decide_erasure": [
        case_content("post", 302),
        Probe("post", {**case_content("post", 302).expect, "owner": 403}, {"decision": "decline", "reason": "No."}),
    ],
    # The centre's access log and its monthly sign-off: supervisors only.
    "cases:access_log": [supervisors("get")],
    "cases:review_access_log": [Probe("post", {**supervisors("post").expect, "supervisor": 302})],
    # Risk of harm: the assessment is the case's; acknowledging an escalation is a supervisor's.
    "cases:assess_risk": [case_content("post", 400), case_content("post", 302, level="low", asked="Safe tonight?")],
    "cases:acknowledge_escalation": [Probe("post", {**case_content("post", 302).expect, "owner": 403})],
    # A minor's guardian (the page is the case's; an adult's case has none: see tests/cases/test_guardians.py).
    "cases:guardian": [case_content("get", 200), case_content("post", 400)],
    # Reports the law requires: a crime in progress recorded; the report that discharges a duty.
    "cases:crime_in_progress": [case_content("post", 302)],
    "cases:record_duty_report": [case_content("post", 400)],
    # The centre's on-call rota and crisis numbers: its supervisors and administrators (no case on it).
    "cases:oncall_rota": [rota_keepers("get", 200), rota_keepers("post", 400)],
    "cases:oncall_remove_shift": [rota_keepers("post", 302)],
    "cases:crisis_line_add": [
        rota_keepers("post", 302, number="1388", label_ko="청소년 상담전화", label_en="Youth line"),
        rota_keepers("post", 400, number="call me", label_ko="x", label_en="x"),
    ],
    "cases:crisis_line_remove": [rota_keepers("post", 302)],
    "notifications:inbox": [signed_in("get", 200)],
    # An item of alice's inbox: opening it leads her to it; nobody else finds it.
    "notifications:open": [
        Probe("get", {**dict.fromkeys(ROLES[:-1], 404), "owner": 302, "signed_out": LOGIN}),
    ],
    "notifications:mark_all_read": [signed_in("post", 302)],
    "notifications:email_preference": [signed_in("post", 302)],
    # --- API ------------------------------------------------------------------------------------
    "schema": [signed_in("get", 200, signed_out=REFUSED)],
    "api-docs": [signed_in("get", 200, signed_out=REFUSED)],
    **{
        f"api-report-{name}": [
            Probe(
                "get",
                {
                    **(centre_staff if name == "workload" else supervisors)(
                        "get", *(() if name != "workload" else (200,))
                    ).expect,
                    "signed_out": REFUSED,
                },
            )
        ]
        for name in ("workload", "ageing", "platforms", "trends", "annual", "referrals")
    },
    "api-me": [signed_in("get", 200, signed_out=401)],
    "api-token-revoke": [signed_in("post", 204, signed_out=401)],
    "api-token-revoke-all": [signed_in("post", 204, signed_out=401)],
    "case-list": [centre_staff("get", 200, signed_out=REFUSED), centre_staff("post", 400, signed_out=REFUSED)],
    "case-search": [centre_staff("post", 200, signed_out=REFUSED, q="김민지")],
    "case-detail": [
        case_api("get", 200),
        case_api("patch", 400),
        case_api("patch", 200, version=CASE_VERSION, priority="high"),
    ],
    "case-transition": [case_api("post", 400), case_api("post", 200, status="in_progress", version=CASE_VERSION)],
    # A supervisor assigns; the owner may read the case but not give it away.
    "case-assign": [
        case_api("post", 400),
        Probe(
            "post",
            {**case_api("post", 200).expect, "owner": 403},
            {"assigned_to": Of(lambda o: o.colleague_id), "version": CASE_VERSION},
        ),
    ],
    "case-notes": [case_api("get", 200), case_api("post", 400)],
    # A minor's guardian: read and written by those who may change the case, as on its page.
    "case-guardian": [
        case_api("get", 200),
        case_api("patch", 400),
        case_api("patch", 200, version=Of(lambda o: o.guardian.version), relationship="어머니"),
    ],
    "case-duties": [case_api("get", 200), case_api("post", 400), case_api("post", 201, kind="crime_in_progress")],
    "case-duties-report": [
        case_api("post", 400),
        case_api(
            "post",
            201,
            duty=Of(lambda o: o.duty.pk),
            authority="police",
            reported_at="2026-11-01T10:00:00+09:00",
            reported_by=Of(lambda o: o.colleague_id),
        ),
    ],
    "case-risk": [case_api("get", 200), case_api("post", 400), case_api("post", 201, level="low", asked="Safe?")],
    # The open escalation of alice's case: a supervisor of the centre acknowledges it; its owner may not.
    "case-risk-acknowledge": [
        case_api("post", 400),
        Probe("post", {**case_api("post", 200).expect, "owner": 403}, {"escalation": Of(lambda o: o.escalation.pk)}),
    ],
    "case-events": [case_api("get", 200)],
    "case-sightings": [case_api("get", 200), case_api("post", 400)],
    "case-sightings-bulk": [case_api("post", 400)],
    "case-evidence": [case_api("get", 200), case_api("post", 400)],
    "case-evidence-share": [case_api("post", 200)],
    "case-sighting-detail": [case_api("patch", 200, version=SIGHTING_VERSION, is_synthetic=True)],
    "case-draft-takedowns": [case_api("post", 201)],
    "case-followups": [case_api("post", 400)],
    "case-export": [case_api("post", 200, format="json"), case_api("post", 400)],
    "case-erasure": [case_api("post", 400)],
    "case-retention": [
        case_api("post", 400),
        Probe(
            "post",
            {**case_api("post", 400).expect, "owner": 403},
            {"until": "2040-01-01", "reason": "A court case is pending.", "version": CASE_VERSION},
        ),
    ],
    "takedown-list": [centre_staff("get", 200, signed_out=REFUSED)],
    "takedown-detail": [
        case_api("get", 200),
        case_api("patch", 400),
        case_api("patch", 200, subject="Removal request", body="Please remove it.", version=TAKEDOWN_VERSION),
    ],
    "takedown-transition": [
        case_api("post", 400),
        case_api("post", 200, status="sent", channel="email", version=TAKEDOWN_VERSION),
    ],
    "case-referrals": [case_api("get", 200), case_api("post", 400)],
    "referral-list": [centre_staff("get", 200, signed_out=REFUSED)],
    "referral-detail": [case_api("get", 200)],
    "referral-transition": [
        case_api("post", 400),
        case_api("post", 200, status="consented", version=REFERRAL_VERSION),
    ],
    # The partner directory of alice's centre: its staff and administrators read it, its administrators
    # keep it; another centre does not find it.
    "partner-list": [
        signed_in("get", 200, signed_out=REFUSED),
        Probe("post", {**dict.fromkeys(ROLES, 403), "administrator": 400, "signed_out": REFUSED}),
    ],
    "partner-detail": [
        Probe("get", {**dict.fromkeys(ROLES, 200), "outsider": 404, "signed_out": REFUSED}),
        Probe(
            "patch",
            {**dict.fromkeys(ROLES, 403), "administrator": 200, "outsider": 404, "signed_out": REFUSED},
            {"version": Of(lambda o: o.partner.version), "contact": "02-000-0000"},
        ),
    ],
    "reply-list": [centre_staff("get", 200, signed_out=REFUSED)],
    "reply-detail": [case_api("get", 200)],
    "reply-confirm": [case_api("post", 400)],
    # Dismissing and attaching are for the queue (supervisors); a matched reply is neither.
    "reply-dismiss": [Probe("post", {**case_api("post", 400).expect, "owner": 403})],
    "reply-attach": [Probe("post", {**case_api("post", 400).expect, "owner": 403}, {"token": "TD-2222222222"})],
    "access-log-list": [supervisors("get", signed_out=REFUSED)],
    # The on-call rota and crisis numbers of one's own centre: its supervisors and administrators.
    "oncall-shift-list": [
        rota_api("get", 200),
        rota_api("post", 400),
        rota_api("post", 201, supervisor=Of(lambda o: o.shift.supervisor_id), weekday=2, start_hour=9, end_hour=18),
    ],
    "oncall-shift-detail": [rota_api("get", 200), rota_api("delete", 204)],
    "oncall-shift-now": [rota_api("get", 200)],
    "crisis-line-list": [
        rota_api("get", 200),
        rota_api("post", 400),
        rota_api("post", 201, number="1388", label_ko="청소년 상담전화", label_en="Youth line"),
    ],
    "crisis-line-detail": [rota_api("get", 200), rota_api("delete", 204)],
    # The platform directory: every centre's staff read it; administrators maintain it.
    "platform-list": [
        signed_in("get", 200, signed_out=REFUSED),
        Probe("post", {**dict.fromkeys(ROLES, 403), "administrator": 400, "signed_out": REFUSED}),
    ],
    "platform-detail": [
        signed_in("get", 200, signed_out=REFUSED),
        Probe(
            "patch",
            {**dict.fromkeys(ROLES, 403), "administrator": 200, "signed_out": REFUSED},
            {"version": PLATFORM_VERSION, "response_hours": 24},
        ),
    ],
    # --- Django's admin site (administrators: accounts and reference data, never case content) ---
    "admin:index": [admin_site("get", 200)],
    # The admin has no sign-in form of its own: everyone is sent to the staff one (two-step sign-in).
    "admin:login": [everyone("get", LOGIN)],
    # Signing out of the admin ends the session like the staff sign-out; anyone else is sent to its index.
    "admin:logout": [Probe("post", {**dict.fromkeys(ROLES, 302), "administrator": LOGIN})],
    "admin:password_change": [admin_site("get", 200)],
    "admin:password_change_done": [admin_site("get", 200)],
    "admin:jsi18n": [admin_site("get", 200)],
    "admin:autocomplete": [admin_site("get", 403)],  # without its parameters
    "admin:view_on_site": [admin_site("get", 404)],  # users have no page outside the admin
    "admin:app_list": [
        Probe("get", admin_site("get", 200).expect, params={"app_label": "accounts"}),
        Probe("get", admin_site("get", 404).expect, params={"app_label": "auth"}),  # groups are not used
    ],
    "admin:<unnamed admin/{url}>": [admin_site("get", 404)],
    # Centres are created by the installation's operators with `manage.py create_centre`, not here.
    **admin_model("accounts_centre", changelist=200, add=403, change=200, delete=403),
    **admin_model(
        "accounts_user",
        changelist=200,
        add=200,
        change=200,
        delete=403,  # deactivated, never deleted
        # Never a password: a link to choose one goes to the account's own e-mail (DESIGN.md, who uses it).
        more={
            "admin:accounts_user_send_password_link": [admin_site("get", 405), admin_site("post", 302)],
            # Alice has no app to reset: the page says so.
            "admin:accounts_user_reset_two_step": [admin_site("get", 405), admin_site("post", 302)],
        },
    ),
    # The record of account changes: read, never written, changed or deleted.
    **admin_model("accounts_accountevent", changelist=200, add=403, change=200, delete=403),
    **admin_model("auth_group", changelist=403, add=403, change=403, delete=403, history=403),
    # Tokens are revoked (deleted) here, never made: a token is its user's, made by signing in.
    **admin_model("knox_authtoken", changelist=200, add=403, change=200, delete=200),
    **admin_model("axes_accessattempt", changelist=200, add=403, change=200, delete=200),
    **admin_model("axes_accessfailurelog", changelist=200, add=403, change=200, delete=200),
    **admin_model("axes_accesslog", changelist=200, add=403, change=200, delete=200),
    **admin_model("cases_platform", changelist=200, add=200, change=200, delete=403),
    **admin_model("cases_lettertemplate", changelist=200, add=200, change=200, delete=200),
    # The partner directory of the administrator's own centre; entries are made inactive, never deleted.
    **admin_model("cases_partner", changelist=200, add=200, change=200, delete=403),
}

# Cells where the product does not yet do what the rule says; each has a strict xfail test that
# reproduces it. The matrix fails when one of them starts to answer as the rule says: then remove it
# here and the xfail marker there.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}

ROUTES = all_routes()


@dataclass(frozen=True)
class Objects:
    """Real rows for every path parameter: alice's case and its children, and rows the admin site lists."""

    world: World
    admin: dict[str, object]
    content_type_id: int
    issued: IssuedAccess  # the portal access of alice's case, with its passphrase
    closing: Case  # another case of alice's, whose closure she asked for
    closure: ClosureRequest
    account_event: AccountEvent  # a change to alice's account (a password link sent by erin)
    colleague_id: int
    alices_new_app: TotpDevice  # being set up, not confirmed: alice still owes no code
    erins_app: TotpDevice
    partner: Partner  # legal aid in alice's centre's directory
    referral: Referral  # of alice's case, proposed
    followup: FollowUp  # on alice's case
    inbox_item: Notification  # delivered to alice's inbox
    escalation: Escalation  # alice's case assessed at high risk: the on-call supervisors are being called
    shift: OnCallShift  # carol on call on Mondays
    crisis_line: CrisisLine
    duty: LegalDuty  # alice's case is a minor's: a report to the police or child protection is owed
    guardian: Guardian  # hers, recorded by alice (not safe to contact)
    evidence_id: int  # an image of alice's case, kept with the victim's consent


@pytest.fixture
def objects(world: World, alice: User, bob: User, carol: User, erin: User) -> Objects:
    platform = world.sighting.platform
    assert platform is not None
    letter = LetterTemplate.objects.filter(platform=platform).first() or LetterTemplate.objects.first()
    assert letter is not None, "no letter template seeded"
    token, _secret = AuthToken.objects.create(alice)
    issued = do_issue_portal_access(actor=alice, case=world.case)
    closing = open_case(alice, victim_name="박서연", contact_phone="010-5555-0000", contact_email="")
    closure = do_request_closure(actor=alice, case=closing, reason="She wants to stop here.")
    account_event = do_send_password_link(actor=erin, account=alice, domain="testserver", use_https=False)
    partner, referral = world.partner, world.referral
    followup = do_set_followup(actor=alice, case=world.case, due_at=timezone.now() + timedelta(days=1), note="x")
    inbox_item = Notification.objects.get(params__followup_id=followup.pk, channel="inbox")
    Notification.objects.filter(pk=inbox_item.pk).update(state="sent", sent_at=timezone.now())  # as delivered
    do_assess_risk(actor=alice, case=world.case, level="high", asked="Do you feel safe tonight?")
    do_update_case(actor=alice, case=world.case, version=world.case.version, changes={"is_minor": True})
    escalation = Escalation.objects.get(case=world.case)
    world.case.refresh_from_db()
    closing.refresh_from_db()
    seen = {"username": alice.email, "ip_address": "10.0.0.1", "user_agent": "test", "http_accept": "*/*"}
    admin: dict[str, object] = {
        "accounts/centre": alice.centre_id,
        "accounts/user": alice.pk,
        "accounts/accountevent": account_event.pk,
        "auth/group": Group.objects.create(name="unused").pk,
        "knox/authtoken": token.pk,
        "axes/accessattempt": AccessAttempt.objects.create(**seen, failures_since_start=1).pk,
        "axes/accessfailurelog": AccessFailureLog.objects.create(**seen).pk,
        "axes/accesslog": AccessLog.objects.create(**seen).pk,
        "cases/platform": platform.pk,
        "cases/lettertemplate": letter.pk,
        "cases/partner": partner.pk,
    }
    return Objects(
        world=world,
        admin=admin,
        content_type_id=ContentType.objects.get_for_model(User).pk,
        issued=issued,
        closing=closing,
        closure=closure,
        account_event=account_event,
        colleague_id=bob.pk,
        alices_new_app=do_start_authenticator(account=alice),
        erins_app=authenticator(erin),
        partner=partner,
        referral=referral,
        followup=followup,
        inbox_item=inbox_item,
        escalation=escalation,
        duty=LegalDuty.objects.get(case=world.case),
        guardian=do_set_guardian(actor=alice, case=world.case, version=None, details={"name": "김보호"}),
        shift=do_add_oncall_shift(actor=carol, supervisor=carol, weekday=0, start_hour=9, end_hour=18),
        crisis_line=do_add_crisis_line(actor=carol, number="1388", label_ko="청소년 상담전화", label_en="Youth line"),
        evidence_id=_kept_evidence(alice, world.case),
    )


def _kept_evidence(alice: User, case: Case) -> int:
    """An image uploaded to alice's case after the victim agreed that files be kept and hashes matched."""
    consents = {"consent_keep_evidence": True, "consent_hash_matching": True, "consent_share_with_police": True}
    do_update_case(actor=alice, case=case, version=case.version, changes=consents)
    data = jpeg(1)
    added = do_add_evidence(actor=alice, case=case, data=data, hashed=hash_upload(data))
    case.refresh_from_db()  # the probes send the version the page would show
    return added.evidence.pk


def _value(name: str, template: str, parameter: str, objects: Objects) -> object:
    world = objects.world
    if name == "cases:decide_closure":
        return {"pk": objects.closing.pk, "request_id": objects.closure.pk}[parameter]
    if parameter == "followup_id":
        return objects.followup.pk
    if name == "notifications:open":
        return objects.inbox_item.pk
    if parameter == "escalation_id":
        return objects.escalation.pk
    if parameter == "duty_id":
        return objects.duty.pk
    if parameter == "shift_id":
        return objects.shift.pk
    if parameter == "line_id":
        return objects.crisis_line.pk
    if name == "accounts:event" and parameter == "pk":
        return objects.account_event.pk
    if name == "accounts:mfa_setup_confirm":
        return objects.alices_new_app.pk
    if name == "accounts:mfa_remove":
        return objects.erins_app.pk
    if name == "accounts:password_reset_confirm":
        # Made when the probe is sent: signing the cast in (call_as) changes last_login, which the token signs.
        alice = objects.account_event.subject
        alice.refresh_from_db()
        uid = urlsafe_base64_encode(force_bytes(alice.pk))
        return {"uidb64": uid, "token": default_token_generator.make_token(alice)}[parameter]
    if parameter == "pk" and name.startswith(("cases:reply", "reply-")):
        return world.reply.pk
    if parameter == "attachment_id":
        return world.attachment.pk
    if parameter == "pk" and name == "cases:keep_attachments":
        return world.takedown.pk
    if parameter == "pk" and name.startswith(("cases:referral", "referral-")):
        return objects.referral.pk
    if parameter == "pk" and name.startswith("partner-"):
        return objects.partner.pk
    if parameter == "pk" and name.startswith(("cases:takedown", "takedown-")):
        return world.takedown.pk
    if parameter == "pk" and name.startswith(("cases:", "case-")):
        return world.case.pk
    if parameter == "pk" and name.startswith("oncall-shift-"):
        return objects.shift.pk
    if parameter == "pk" and name.startswith("crisis-line-"):
        return objects.crisis_line.pk
    if parameter == "pk" and name.startswith("platform-"):
        return world.sighting.platform_id
    if parameter == "evidence_id":
        return objects.evidence_id
    if parameter == "sighting_id":
        return world.sighting.pk
    if parameter == "content_type_id" or (name == "admin:view_on_site" and parameter == "object_id"):
        # "View on site" of alice's account: a user's content type and id.
        return objects.content_type_id if parameter == "content_type_id" else objects.admin["accounts/user"]
    if parameter in {"object_id", "id"} and name.startswith("admin:"):
        # /admin/<app>/<model>/<object_id>/…: a real row of that model.
        return objects.admin["/".join(template.split("/")[2:4])]
    if parameter == "url":
        return "nothing-here/"
    pytest.fail(f"no value for {{{parameter}}} of {name} ({template}): teach _value() which object it names")


def _url(name: str, probe: Probe, objects: Objects) -> str:
    template = ROUTES[name]
    return PARAMETER.sub(
        lambda m: str(probe.params.get(m.group(1)) or _value(name, template, m.group(1), objects)), template
    )


def _data(probe: Probe, objects: Objects) -> dict[str, Any]:
    """The probe's body with each value read from the rows (`Of`) filled in."""
    data = probe.data.read(objects) if isinstance(probe.data, Of) else probe.data
    return {key: value.read(objects) if isinstance(value, Of) else value for key, value in data.items()}


def _matches(response: HttpResponseBase, expected: int | str) -> bool:
    status, location = response.status_code, response.get("Location", "")
    if expected == PORTAL:
        return status == 302 and location == "/portal/"
    if expected == LOGIN:
        return status == 302 and location.startswith("/accounts/login/")
    if expected == ADMIN_LOGIN:
        return status == 302 and location.startswith("/admin/login/")
    if expected == REFUSED:
        return status in {401, 403}
    return status == expected


# One client per role for the whole module: a new Client loads every middleware again (whitenoise scans
# the static files), which would be most of the cost of this test.
_CLIENTS = {role: Client() for role in ROLES}


@pytest.fixture
def call_as(
    alice: User, bob: User, carol: User, erin: User, dave: User
) -> Callable[[str, str, str, dict[str, Any]], HttpResponseBase]:
    """`call_as(role, method, url, data)`: the request as that role, by session, or by token for /api/v1/."""
    users = {"owner": alice, "colleague": bob, "supervisor": carol, "administrator": erin, "outsider": dave}
    sessions: dict[str, str] = {}
    tokens: dict[str, str] = {}
    for role, user in users.items():
        client = _CLIENTS[role]
        # With the code entered for roles that owe one (supervisors, administrators): what they reach after it.
        sign_in(client, user)
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        tokens[role] = f"Token {AuthToken.objects.create(user)[1]}"

    def call(role: str, method: str, url: str, data: dict[str, Any]) -> HttpResponseBase:
        client = _CLIENTS[role]
        client.cookies.clear()
        headers: dict[str, str] = {}
        if role in users and url.startswith("/api/v1/"):
            headers["Authorization"] = tokens[role]
        elif role in users:
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
        # Each call leaves the data as it found it, so one role's write (a sign-out, a revoked token,
        # a draft) does not change the next one's answer.
        with transaction.atomic():
            if method == "get":
                response = client.get(url, data, headers=headers)
            elif url.startswith("/api/"):
                body = json.dumps(data)
                response = client.generic(method.upper(), url, body, content_type="application/json", headers=headers)
            elif method == "post":
                response = client.post(url, data, headers=headers)
            else:
                pytest.fail(f"{method} of a page: only GET and POST are sent to pages")
            transaction.set_rollback(True)
        return response

    return call


def test_it_has_no_rule_for_a_route_that_is_gone() -> None:
    assert set(RULES) <= set(ROUTES), f"rules for routes that no longer exist: {sorted(set(RULES) - set(ROUTES))}"
    for name, method, role in KNOWN_BUGS:
        assert name in RULES and any(p.method == method for p in RULES[name]) and role in ROLES


def test_it_keeps_every_case_route_from_other_centres_and_administrators() -> None:
    """However a rule is edited: a route that names a case or a takedown request is 404 to another
    centre and to a colleague, 403 to an administrator, and never 2xx to any of them."""
    for name, template in ROUTES.items():
        if "{pk}" in template and name.startswith(("cases:", "case-", "takedown-")):
            for probe in RULES.get(name, []):
                cells = (probe.expect["outsider"], probe.expect["colleague"], probe.expect["administrator"])
                assert cells == (404, 404, 403), f"{name} {probe.method}: {cells}"


def _check(name: str, objects: Objects, call_as: Callable[[str, str, str, dict[str, Any]], HttpResponseBase]) -> None:
    assert name in RULES, f"no rule for {name} ({ROUTES[name]}): add one to RULES saying who may use it"
    wrong: list[str] = []
    for probe in RULES[name]:
        assert set(probe.expect) == set(ROLES), f"{name} {probe.method}: a rule names every role"
        url = _url(name, probe, objects)
        data = _data(probe, objects)
        for role in ROLES:
            response = call_as(role, probe.method, url, data)
            expected = probe.expect[role]
            seen = f"{response.status_code} {response.get('Location', '')}".strip()
            assert response.status_code < 500, f"{probe.method.upper()} {url} as {role}: {seen}"
            known = KNOWN_BUGS.get((name, probe.method, role))
            if _matches(response, expected) and known:
                wrong.append(f"{probe.method.upper()} {url} as {role}: fixed, drop it from KNOWN_BUGS and {known}")
            elif not _matches(response, expected) and not known:
                wrong.append(f"{probe.method.upper()} {url} as {role}: {seen}, expected {expected}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.usefixtures("platforms")
def test_it_answers_each_role_as_the_route_rule_says(
    subtests: pytest.Subtests, objects: Objects, call_as: Callable[[str, str, str, dict[str, Any]], HttpResponseBase]
) -> None:
    # One test with a subtest per route: the cast and alice's case are made once, not 110 times.
    for name in sorted(ROUTES):
        with subtests.test(route=name):
            _check(name, objects, call_as)
