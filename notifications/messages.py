"""The texts of every message, in Korean and English: neutral, with no detail of any case.

A message says that something needs attention and asks the reader to sign in; it never names a
victim, a platform, a place where content appears or a link (DESIGN.md, "Privacy by design"). The
texts take no parameters at all, so nothing from a notification's `params` can reach a message: those
ids are for the inbox page, which links to what the message is about after the reader signed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from notifications import conf
from notifications.models import Language, Notification


@dataclass(frozen=True)
class Message:
    """A rendered message: the subject (e-mail, inbox title) and the body (e-mail, SMS, inbox)."""

    subject: str
    body: str


TEMPLATES: dict[str, dict[str, Message]] = {
    # To the counsellor: a platform's response deadline passed without an answer.
    "takedown.deadline_passed": {
        Language.KOREAN: Message(
            subject="응답 기한이 지났습니다",
            body="요청의 응답 기한이 답변 없이 지났습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A response deadline has passed",
            body="A request's response deadline has passed without an answer. Sign in to see it.",
        ),
    },
    # To the supervisor: still unanswered a day after the deadline.
    "takedown.still_unanswered": {
        Language.KOREAN: Message(
            subject="답변을 받지 못한 요청이 있습니다",
            body="응답 기한이 지난 뒤에도 답변을 받지 못한 요청이 있습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A request is still unanswered",
            body="A request is still unanswered after its deadline. Sign in to see it.",
        ),
    },
    # To the counsellor: caseflow gave up e-mailing a takedown letter (the mail server refused it, or
    # every retry failed); the request is still a draft.
    "takedown.letter_failed": {
        Language.KOREAN: Message(
            subject="요청서를 보내지 못했습니다",
            body="삭제 요청서를 이메일로 보내지 못했습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A letter could not be sent",
            body="A takedown letter could not be sent by e-mail. Sign in to see it.",
        ),
    },
    # To the counsellor: a follow-up they set ("call back Friday 14:00") is due.
    "case.followup_due": {
        Language.KOREAN: Message(
            subject="후속 조치 시간입니다",
            body="설정하신 후속 조치 시간이 되었습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A follow-up is due",
            body="A follow-up you set is due now. Sign in to see it.",
        ),
    },
    # To the counsellor: the victim changed something through the portal (places, contact, consent).
    "case.victim_acted": {
        Language.KOREAN: Message(
            subject="피해자가 사례를 업데이트했습니다",
            body="피해자가 포털에서 사례 정보를 바꾸거나 추가했습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A victim updated a case",
            body="A victim changed or added something through the portal. Sign in to see it.",
        ),
    },
    # To the counsellor: a case's portal sign-in was locked after repeated wrong passphrases.
    "portal.locked": {
        Language.KOREAN: Message(
            subject="포털 로그인이 잠겼습니다",
            body="잘못된 암호가 여러 번 입력되어 한 사례의 포털 로그인이 잠시 잠겼습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A portal sign-in was locked",
            body="Wrong passphrases were tried several times, so a case's portal sign-in is locked for a while. "
            "Sign in to see it.",
        ),
    },
    # To the supervisors: a closure request waits for a decision.
    "case.closure_requested": {
        Language.KOREAN: Message(
            subject="종결 요청이 있습니다",
            body="결정을 기다리는 사례 종결 요청이 있습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A closure request is waiting",
            body="A request to close a case is waiting for your decision. Sign in to see it.",
        ),
    },
    # To the counsellor who asked: the supervisor decided on the closure request.
    "case.closure_decided": {
        Language.KOREAN: Message(
            subject="종결 요청이 처리되었습니다",
            body="요청하신 사례 종결이 처리되었습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A closure request was decided",
            body="A supervisor decided on your request to close a case. Sign in to see it.",
        ),
    },
    # To the centre's on-call supervisors, repeated until one acknowledges: a risk of harm assessed
    # high or immediate. Also by SMS, so it fits one message in either language, and names nobody.
    "case.risk_escalated": {
        Language.KOREAN: Message(
            subject="긴급: 확인이 필요한 사례가 있습니다",
            body="긴급 사례가 있습니다. 지금 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="Urgent: a case needs you",
            body="An urgent case needs you. Sign in now to see it.",
        ),
    },
    # To a victim who agreed to be contacted: deliberately says nothing about what kind of service writes.
    "victim.case_updated": {
        Language.KOREAN: Message(
            subject="새 소식이 있습니다",
            body="새 소식이 있습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="There is an update",
            body="There is an update for you. Sign in to see it.",
        ),
    },
    # Account changes (notifications.receivers): to the supervisors of the account's centre, by kind.
    "account.created": {
        Language.KOREAN: Message(
            subject="센터에 새 계정이 만들어졌습니다",
            body="관리자가 센터에 새 계정을 만들었습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A new account was made in your centre",
            body="An administrator made a new account in your centre. Sign in to see it.",
        ),
    },
    "account.role_changed": {
        Language.KOREAN: Message(
            subject="센터 계정의 역할이 바뀌었습니다",
            body="관리자가 센터 계정의 역할을 바꾸었습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A role was changed in your centre",
            body="An administrator changed the role of an account in your centre. Sign in to see it.",
        ),
    },
    "account.email_changed": {
        Language.KOREAN: Message(
            subject="센터 계정의 이메일 주소가 바뀌었습니다",
            body="관리자가 센터 계정의 이메일 주소를 바꾸었습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="An e-mail address was changed in your centre",
            body="An administrator changed the e-mail address of an account in your centre. Sign in to see it.",
        ),
    },
    "account.password_reset": {
        Language.KOREAN: Message(
            subject="센터 계정에 비밀번호 링크를 보냈습니다",
            body="관리자가 센터 계정의 주소로 새 비밀번호를 정하는 링크를 보냈습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A password link was sent in your centre",
            body="An administrator sent an account of your centre a link to choose a new password. Sign in to see it.",
        ),
    },
    "account.deactivated": {
        Language.KOREAN: Message(
            subject="센터 계정이 비활성화되었습니다",
            body="관리자가 센터 계정을 비활성화했습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="An account of your centre was deactivated",
            body="An administrator deactivated an account of your centre. Sign in to see it.",
        ),
    },
    "account.reactivated": {
        Language.KOREAN: Message(
            subject="센터 계정이 다시 활성화되었습니다",
            body="관리자가 센터 계정을 다시 활성화했습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="An account of your centre was reactivated",
            body="An administrator reactivated an account of your centre. Sign in to see it.",
        ),
    },
    # Two-step sign-in, to the supervisors: signs of a lost phone or of someone else in the account.
    "account.mfa_removed": {
        Language.KOREAN: Message(
            subject="센터 계정에서 인증 앱이 삭제되었습니다",
            body="센터의 한 계정이 2단계 로그인의 인증 앱을 삭제했습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="An authenticator app was removed in your centre",
            body="An account of your centre removed an authenticator app from its two-step sign-in. Sign in to see it.",
        ),
    },
    "account.recovery_used": {
        Language.KOREAN: Message(
            subject="센터 계정이 복구 코드로 로그인했습니다",
            body="센터의 한 계정이 인증 앱 대신 복구 코드로 로그인했습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A recovery code was used in your centre",
            body="An account of your centre signed in with a recovery code instead of its authenticator app. "
            "Sign in to see it.",
        ),
    },
    "account.mfa_reset": {
        Language.KOREAN: Message(
            subject="센터 계정의 2단계 로그인이 초기화되었습니다",
            body="관리자가 센터 계정의 2단계 로그인을 초기화했습니다. 로그인해서 확인해 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="Two-step sign-in was reset in your centre",
            body="An administrator reset the two-step sign-in of an account in your centre. Sign in to see it.",
        ),
    },
    # Two-step sign-in, to the account itself: changes she made, or someone holding her password did.
    "account.yours_mfa_added": {
        Language.KOREAN: Message(
            subject="계정에 인증 앱이 추가되었습니다",
            body="계정의 2단계 로그인에 인증 앱이 추가되었습니다. 본인이 하지 않았다면 바로 팀장에게 알려 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="An authenticator app was added to your account",
            body="An authenticator app was added to your account's two-step sign-in. "
            "If it was not you, tell your supervisor at once.",
        ),
    },
    "account.yours_mfa_removed": {
        Language.KOREAN: Message(
            subject="계정에서 인증 앱이 삭제되었습니다",
            body="계정의 2단계 로그인에서 인증 앱이 삭제되었습니다. 본인이 하지 않았다면 바로 팀장에게 알려 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="An authenticator app was removed from your account",
            body="An authenticator app was removed from your account's two-step sign-in. "
            "If it was not you, tell your supervisor at once.",
        ),
    },
    "account.yours_recovery_used": {
        Language.KOREAN: Message(
            subject="복구 코드로 계정에 로그인했습니다",
            body="인증 앱 대신 복구 코드로 계정에 로그인했습니다. 본인이 하지 않았다면 바로 팀장에게 알려 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="A recovery code was used to sign in to your account",
            body="Someone signed in to your account with a recovery code instead of the authenticator app. "
            "If it was not you, tell your supervisor at once.",
        ),
    },
    "account.yours_recovery_renewed": {
        Language.KOREAN: Message(
            subject="계정의 복구 코드가 새로 만들어졌습니다",
            body="계정의 복구 코드가 새로 만들어져 이전 코드는 더 이상 쓸 수 없습니다. "
            "본인이 하지 않았다면 바로 팀장에게 알려 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="New recovery codes were made for your account",
            body="New recovery codes were made for your account; the old ones no longer work. "
            "If it was not you, tell your supervisor at once.",
        ),
    },
    "account.yours_mfa_reset": {
        Language.KOREAN: Message(
            subject="계정의 2단계 로그인이 초기화되었습니다",
            body="관리자가 계정의 인증 앱과 복구 코드를 모두 삭제했습니다. 다음 로그인 때 인증 앱을 다시 설정하세요. "
            "요청하지 않았다면 바로 팀장에게 알려 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="Your two-step sign-in was reset",
            body="An administrator removed every authenticator app and recovery code of your account. Set up an app "
            "again when you next sign in. If you did not ask for this, tell your supervisor at once.",
        ),
    },
    # To the account itself (and to its old address when the address changed).
    "account.yours_changed": {
        Language.KOREAN: Message(
            subject="계정이 변경되었습니다",
            body="관리자가 계정의 역할, 이메일 주소, 접근 권한 또는 비밀번호를 변경했습니다. "
            "로그인해서 확인하고, 예상하지 못한 변경이면 팀장에게 알려 주세요.",
        ),
        Language.ENGLISH: Message(
            subject="Your account was changed",
            body="An administrator changed your account's role, e-mail address, access or password. "
            "Sign in to see what changed, and tell your supervisor if you did not expect it.",
        ),
    },
}


def is_known(template_key: str) -> bool:
    """Whether a template key has texts (enqueue() refuses unknown keys at once, not at delivery)."""
    return template_key in TEMPLATES


def render_template(template_key: str, language: str) -> Message:
    """The text of a template in a language (Korean if the language has none); KeyError for an unknown key."""
    texts = TEMPLATES[template_key]
    return texts.get(language, texts[Language.KOREAN])


# Messages to victims: the only ones that carry a link, the portal's address, from the setting alone.
VICTIM_TEMPLATES = frozenset({"victim.case_updated"})
# One SMS: 160 characters of plain ASCII (within GSM-7), 70 when any is outside it, as Korean is.
SMS_MAX_CHARS = 70
SMS_MAX_ASCII_CHARS = 160


def sms_limit(text: str) -> int:
    """How many characters of this text fit in one SMS."""
    return SMS_MAX_ASCII_CHARS if text.isascii() else SMS_MAX_CHARS


def with_portal_link(message: Message) -> Message:
    """The victim's message with the portal's address after it, when set and when it still fits one SMS."""
    link = conf.portal_link()
    body = f"{message.body} {link}" if link else message.body
    if len(body) > sms_limit(body):
        return message
    return Message(subject=message.subject, body=body)


def render(notification: Notification) -> Message:
    """The message of a notification: its template in its language; `params` are never read."""
    message = render_template(notification.template_key, notification.language)
    if notification.template_key in VICTIM_TEMPLATES:
        return with_portal_link(message)
    return message
