"""Reading a platform's e-mailed reply: its headers, text and attachments, the request tokens it quotes,
the platform's ticket number and the outcome its words suggest. No database here; cases/actions/replies.py
matches and stores.

The parser never raises on what a stranger sends: a message it cannot take apart is still returned, with
its raw text and `malformed` set, so that it waits in the centre's queue instead of failing the server.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses

from cases.models.case import REFERENCE_ALPHABET
from cases.models.letter import LETTER_TOKEN_LENGTH, LETTER_TOKEN_PREFIX

MAX_TEXT = 100_000
# The text searched for a ticket number and for the outcome: enough for any real answer, and a bound on
# how long a pattern may run on mail from outside.
SEARCHED = 20_000

TOKEN = re.compile(
    rf"{re.escape(LETTER_TOKEN_PREFIX)}[{REFERENCE_ALPHABET}]{{{LETTER_TOKEN_LENGTH}}}(?![{REFERENCE_ALPHABET}])",
    re.IGNORECASE,
)
# Something that looks like a token but is not one (wrong length or letters): a guess, or a typing error.
TOKEN_LIKE = re.compile(rf"{re.escape(LETTER_TOKEN_PREFIX)}[A-Z0-9]{{6,14}}", re.IGNORECASE)
# Our Message-IDs start with the token in lower case (cases/letters.py: new_message_id).
MESSAGE_ID_TOKEN = re.compile(rf"<({re.escape(LETTER_TOKEN_PREFIX.lower())}[a-z0-9]{{{LETTER_TOKEN_LENGTH}}})\.")
# Used when a platform's entry has no pattern of its own.
GENERAL_TICKET = re.compile(
    r"(?:ticket|case|request|reference|report|접수\s*번호|신고\s*번호|처리\s*번호)(?:\s*(?:#|no\.?|number|id|번호))?"
    r"(?:\s+is)?\s*[:#]?\s*((?=[A-Z\-]*[0-9])[A-Z0-9][A-Z0-9\-]{3,39})",
    re.IGNORECASE,
)

# What a platform's answer says, in English and Korean; a refusal is looked for first ("unable to remove").
_REFUSED = re.compile(
    r"\b(?:unable to|cannot|can ?not|can't|will not|won't|are not able to)\s+(?:remove|take|delete|action)"
    r"|\bdoes(?: not|n't) (?:violate|break)|\bno violation|\bnot in violation|\bdeclin|\breject"
    r"|거부|반려|삭제(?:할 수 없|가 어렵|하기 어렵|불가)|위반(?:이 아니|되지 않|사항이 없)",
    re.IGNORECASE,
)
_REMOVED = re.compile(
    r"\b(?:has|have) been (?:removed|taken down|deleted|disabled|blocked)|\bwe (?:have )?(?:removed|deleted|took down)"
    r"|\b(?:is|are) no longer (?:available|accessible)"
    r"|삭제(?:되었|됐|했|하였|\s*조치|\s*처리)|차단(?:되었|됐|했|하였|\s*조치)",
    re.IGNORECASE,
)
_ACKNOWLEDGED = re.compile(
    r"\breceived\b|\backnowledg|\bwe will (?:review|look)|\breviewing\b|\bunder review|\bticket\b|접수|검토",
    re.IGNORECASE,
)
# Where the quoted original begins in a reply: "On … wrote:", "-----Original Message-----", Korean clients.
_QUOTE_START = re.compile(
    r"^(?:On .{0,200} wrote:|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*원본 메시지\s*-{2,}|.{0,100}님이 작성:)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_TAG = re.compile(r"<[^>]{0,2000}>")


@dataclass
class Attachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class ParsedReply:
    """What caseflow reads from one message."""

    from_address: str = ""
    from_domain: str = ""
    subject: str = ""
    message_id: str = ""
    references: list[str] = field(default_factory=list)
    text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    malformed: bool = False


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:
        return ""
    return "" if value is None else " ".join(str(value).split())


def _domain(address: str) -> str:
    domain = address.rpartition("@")[2].strip().strip(">").lower().rstrip(".")
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def _html_text(markup: str) -> str:
    return html.unescape(_TAG.sub(" ", markup))


def _part_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except Exception:
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload or "")
    return content if isinstance(content, str) else ""


def parse(raw: bytes) -> ParsedReply:
    """Headers, text and attachments of a message, never raising."""
    result = ParsedReply()
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:
        result.malformed = True
        result.text = raw[:MAX_TEXT].decode("utf-8", errors="replace")
        return result
    assert isinstance(message, EmailMessage)  # noqa: S101 - policy.default makes EmailMessage
    addresses = getaddresses([_header(message, "From")])
    result.from_address = addresses[0][1] if addresses and "@" in addresses[0][1] else ""
    result.from_domain = _domain(result.from_address) if result.from_address else ""
    result.subject = _header(message, "Subject")[:1000]
    result.message_id = _header(message, "Message-ID")[:255]
    result.references = re.findall(
        r"<[^<>\s]{1,255}>", f"{_header(message, 'In-Reply-To')} {_header(message, 'References')}"
    )
    plain: list[str] = []
    markup: list[str] = []
    try:
        for part in message.walk():
            if part.is_multipart():
                continue
            disposition = part.get_content_disposition()
            filename = part.get_filename()
            if disposition == "attachment" or filename:
                payload = part.get_payload(decode=True)
                content = payload if isinstance(payload, bytes) else b""
                result.attachments.append(
                    Attachment(str(filename or "attachment")[:200], part.get_content_type(), content)
                )
            elif part.get_content_type() == "text/plain":
                plain.append(_part_text(part))
            elif part.get_content_type() == "text/html":
                markup.append(_html_text(_part_text(part)))
    except Exception:
        result.malformed = True
    structural = [d for d in message.defects if type(d).__name__ in _STRUCTURAL_DEFECTS]
    if structural:
        result.malformed = True
    text = "\n".join(plain) if plain else "\n".join(markup)
    if result.malformed and not text.strip():
        text = raw.decode("utf-8", errors="replace")
    result.text = text[:MAX_TEXT]
    return result


# Defects that mean the message's structure is broken (not a harmless missing header).
_STRUCTURAL_DEFECTS = frozenset(
    {
        "StartBoundaryNotFoundDefect",
        "CloseBoundaryNotFoundDefect",
        "MultipartInvariantViolationDefect",
        "NoBoundaryInMultipartDefect",
        "MissingHeaderBodySeparatorDefect",
        "InvalidMultipartContentTransferEncodingDefect",
    }
)


def tokens_in(parsed: ParsedReply) -> tuple[list[str], bool]:
    """The request tokens the reply quotes (subject, In-Reply-To, References), upper case, in order; and
    whether something token-like that is no token at all was found."""
    found = [m.group(0).upper() for m in TOKEN.finditer(parsed.subject)]
    found += [m.group(1).upper() for ref in parsed.references if (m := MESSAGE_ID_TOKEN.match(ref.lower()))]
    looks_like = bool(TOKEN_LIKE.search(parsed.subject)) and not found
    return list(dict.fromkeys(found)), looks_like


def own_words(text: str) -> str:
    """The reply without the letter it quotes: lines starting with ">" and everything after "On … wrote:"."""
    match = _QUOTE_START.search(text)
    if match:
        text = text[: match.start()]
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))[:SEARCHED]


def ticket_number(parsed: ParsedReply, pattern: str) -> str:
    """The platform's ticket number, by its own pattern or the general one; "" if none is found."""
    regex = re.compile(pattern, re.IGNORECASE) if pattern else GENERAL_TICKET
    for text in (parsed.subject, own_words(parsed.text)):
        match = regex.search(text[:SEARCHED])
        if match:
            value = match.group(1) if match.groups() else match.group(0)
            value = " ".join(value.split())[:200]
            # Our own token is never the platform's ticket.
            if value and not TOKEN.fullmatch(value):
                return value
    return ""


def suggested_outcome(parsed: ParsedReply) -> str:
    """ "refused", "removed", "acknowledged" or "" from the reply's own words (not the quoted letter)."""
    words = f"{parsed.subject}\n{own_words(parsed.text)}"
    if _REFUSED.search(words):
        return "refused"
    if _REMOVED.search(words):
        return "removed"
    if _ACKNOWLEDGED.search(words):
        return "acknowledged"
    return ""


def domain_matches(domain: str, allowed: set[str]) -> bool:
    """The sender's domain is one of the platform's, or a subdomain of one (support.telegram.org)."""
    return bool(domain) and any(domain == d or domain.endswith("." + d) for d in allowed if d)
