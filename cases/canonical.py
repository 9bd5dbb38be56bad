"""Canonical form of the addresses counsellors paste, so that two spellings of one page compare equal.

A sighting is stored and found again by its canonical URL (its keyed hash, `crypto.url_index`), so the
same page pasted twice, from a phone share sheet or a desktop address bar, must give the same string:

- the scheme and host are lower-cased, an IDN host becomes punycode, a trailing dot of the host goes;
- default ports (:80 for http, :443 for https), fragments and tracking parameters are dropped;
- the path keeps its case (paths are case-sensitive) but its percent-encoding is normalised and its
  "." and ".." segments resolved; the remaining query parameters keep their order and blank values.

Lines that cannot be the public address of a page are refused with a `RejectedURL` whose message a
counsellor can act on: other schemes (javascript:, data:, file:, ftp: …), user names or passwords,
private and local hosts, hosts that are not valid site names, lines over MAX_LENGTH characters.

Parsing follows the WHATWG URL standard that browsers implement (backslashes as slashes, IPv4 in
decimal, hex and octal forms, any number of slashes after "https:"), so that what we record is the page
a browser would open. The rejected line is never echoed in a message or an exception: it is case content.

Host names go through IDNA 2003 (the standard library's "idna" codec). Browsers use UTS #46, which
differs for a few characters ("ß", final sigma, joiners, newer emoji); Korean labels encode identically.

Refusing private hosts here is about paste mistakes, not a defence against request forgery: a public
name can resolve to a private address, so anything that ever fetches these URLs must check the address
it connects to.
"""

from __future__ import annotations

import ipaddress
import re
import string
from encodings import idna
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

MAX_LENGTH = 2048

RejectionCode = Literal["scheme", "credentials", "private_host", "too_long", "empty", "invalid", "no_host"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# Not "…Error": callers name it after what happened to the line, and it is a ValueError by its base.
class RejectedURL(ValueError):  # noqa: N818
    """A pasted line that cannot be recorded as the address of a page, with why, for the counsellor."""

    def __init__(self, code: RejectionCode, message: _StrPromise) -> None:
        super().__init__(message)
        self.code: RejectionCode = code
        self.message: _StrPromise = message


_EMPTY = _("The line is empty. Paste the address of the page where the image appears.")
_TOO_LONG = _(
    "This line is longer than 2,048 characters, more than a web address can be. Check that it holds only one address."
)
_TOO_LONG_ENCODED = _(
    "This address is longer than 2,048 characters once its special characters are encoded, "
    "more than a web address can be."
)
_SCRIPT = _(
    "This is a piece of script or embedded data, not the address of a page. "
    "Copy the address from the browser's address bar instead."
)
_FILE = _(
    "This is the address of a file on a computer, not of a page on the internet. "
    "Only addresses starting with http:// or https:// can be recorded."
)
_OTHER_SCHEME = _("Only web addresses starting with http:// or https:// can be recorded.")
_CREDENTIALS = _(
    "This address contains a user name or password (the part before “@”). "
    "Remove it and paste the address again: login details are never stored."
)
_PRIVATE = _(
    "This address points to a computer on a private or local network, not to a public website. "
    "Check that it was copied correctly."
)
_NO_HOST = _("This address has no site name. A web address looks like https://example.com/page.")
_INVALID = _("This doesn't look like a web address. Copy it from the browser's address bar and paste it again.")
_INVALID_HOST = _(
    "The site name in this address contains characters a site name cannot have, such as spaces. "
    "A web address looks like https://example.com/page."
)
_SINGLE_LABEL = _(
    "The site name in this address has no dot, so it cannot be a public website. "
    "A web address looks like https://example.com/page."
)
_INVALID_PORT = _("The port number in this address (after the “:” that follows the site name) is not valid.")
_CONTROL = _("This line contains invisible control characters. Paste the address again on a line of its own.")
_TWO_ADDRESSES = _("This line seems to hold more than one address. Put each address on a line of its own.")

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Schemes that run or embed content rather than name a page: a pasted one is a mistake worth explaining.
_SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "data"})
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# "example.com:8080/path" starts like a scheme; a port (or nothing) after the colon says it is a host.
_PORT_THEN_REST = re.compile(r"[0-9]*(?:[/?#\\]|$)")
_AUTHORITY_END = re.compile(r"[/?#\\]")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Two addresses pasted on one line would otherwise become one address with "%20https://…" in its path.
# An address inside another one (a redirect's "?url=https://…", an archive's "/web/2024/https://…")
# follows "=" or "/", not a space or a quote.
_SECOND_ADDRESS = re.compile(r"[\s\"'<>]https?://", re.IGNORECASE)
# Characters copied around an address from chats and documents; zero-width ones survive str.strip().
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_BRACKETS = {"<": ">", '"': '"', "'": "'", "“": "”", "‘": "’", "«": "»", "「": "」", "『": "』", "(": ")"}

# Underscores are not valid in host names by RFC 1123, but browsers and DNS accept them and some
# platforms' user subdomains contain them; refusing one would lose a real sighting.
_LABEL = re.compile(r"[a-z0-9_-]+")
_MAX_HOST_LENGTH = 253
_DIGITS = {8: frozenset(string.octdigits), 10: frozenset(string.digits), 16: frozenset(string.hexdigits)}
_PRIVATE_NAMES = ("localhost", "local", "internal", "home.arpa")  # RFC 6761, 6762, ICANN 2024, RFC 8375

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
# Kept literally: RFC 3986 pchar. Anything else (space, non-ASCII, "<>\"`{}|\\^[]") is percent-encoded,
# so that "é", "%c3%a9" and "%C3%A9" all become one spelling, and "%7E" becomes "~".
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@")
# The query also keeps "/" and "?", but encodes "'" as browsers do for http(s) (WHATWG special-query set).
_QUERY_SAFE = _UNRESERVED | frozenset("!$()*+,;=:@/?")
_FRAGMENT_SAFE = _PATH_SAFE | frozenset("/?")
_ESCAPE_OR_CHAR = re.compile(r"%[0-9A-Fa-f]{2}|.", re.DOTALL)

# Query parameters removed on every site. Each is a click, share or campaign identifier added by ad,
# analytics or share tools; none selects content, so links that differ only in them show the same page.
# Names compare case-insensitively and without a PHP-style "[…]" suffix.
_TRACKING_PREFIXES = ("utm_",)  # Google Analytics campaign tags: utm_source, utm_medium, utm_campaign, …
_TRACKING_EVERYWHERE = frozenset(
    {
        "fbclid",  # Meta click id, added to every outbound link opened from Facebook or Instagram
        "gclid",  # Google Ads click id
        "dclid",  # Google Display (DoubleClick) click id
        "gbraid",  # Google Ads click id for iOS app-to-web
        "wbraid",  # Google Ads click id for iOS web-to-app
        "msclkid",  # Microsoft Advertising click id
        "yclid",  # Yandex Direct click id
        "mc_cid",  # Mailchimp campaign id
        "mc_eid",  # Mailchimp subscriber id: also identifies who shared the link
        "igshid",  # Instagram share id (older app versions)
        "igsh",  # Instagram share id (newer app versions)
        "_ga",  # Google Analytics cross-domain client id
        "_gl",  # Google Analytics cross-domain linker
        "ref_src",  # Twitter/X embed referrer ("twsrc^tfw"), added by embedded tweets on other sites
        "ref_url",  # Twitter/X embed referrer page; the tweet is identified by its path
    }
)
# Parameters removed only on the sites that use them for tracking, keyed by domain (subdomains included):
# elsewhere these short names often carry content (?s= is WordPress search, ?t= a time or a thread).
_TRACKING_BY_SITE: dict[str, frozenset[str]] = {
    # YouTube: si is the share id the share button adds since 2023 (it identifies the sharer);
    # feature=share/youtu.be says which button made the link. t (start time) is content and stays.
    "youtube.com": frozenset({"si", "feature"}),
    "youtu.be": frozenset({"si", "feature"}),
    # Spotify: si is the share id of open.spotify.com links.
    "spotify.com": frozenset({"si"}),
    # Twitter/X: s is the share source (s=20 web, s=46 iPhone…) and t the sharer's token; a post is
    # identified by its path alone.
    "twitter.com": frozenset({"s", "t"}),
    "x.com": frozenset({"s", "t"}),
    # Facebook: mibextid is the app's share id; __tn__ and __cft__[0] are feed click tracking on links
    # copied from a news feed.
    "facebook.com": frozenset({"mibextid", "__tn__", "__cft__"}),
    "fb.watch": frozenset({"mibextid"}),
    # TikTok share links: which app and device shared (is_from_webapp, sender_device, sender_web_id,
    # web_id) and share tokens (_r, _t); the video is identified by its path.
    "tiktok.com": frozenset({"is_from_webapp", "sender_device", "sender_web_id", "web_id", "_r", "_t"}),
    # Reddit: share_id identifies the sharer of a "Share" link.
    "reddit.com": frozenset({"share_id"}),
}
# Fragments never reach the server, so they are dropped, except on sites that keep what the link
# shows in the fragment. MEGA keeps the file's decryption key there: without it MEGA itself cannot open
# the file to act on a takedown request, and its takedown form asks for links with their keys.
_FRAGMENT_SITES = frozenset({"mega.nz", "mega.co.nz", "mega.io"})


def canonicalise(raw: str) -> str:
    """The canonical form of a pasted address, or RejectedURL saying why it cannot be recorded."""
    line = _strip(raw)
    if not line:
        raise RejectedURL("empty", _EMPTY)
    if len(line) > MAX_LENGTH:
        raise RejectedURL("too_long", _TOO_LONG)
    if _CONTROL_CHARS.search(line):
        raise RejectedURL("invalid", _CONTROL)
    if _SECOND_ADDRESS.search(line):
        raise RejectedURL("invalid", _TWO_ADDRESSES)

    scheme, rest = _split_scheme(line)
    rest, _hash, fragment = rest.partition("#")
    rest, has_query, query = rest.partition("?")
    # In http(s) addresses browsers read a backslash before the query as a slash (WHATWG), which also
    # decides where the host ends: "https://a.example\@b.example" opens a.example.
    rest = rest.replace("\\", "/")
    authority, _slash, path = rest.partition("/")

    if "@" in authority:
        raise RejectedURL("credentials", _CREDENTIALS)
    host, port = _host_and_port(authority)
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"

    try:
        result = f"{scheme}://{netloc}{_path('/' + path)}"
        kept = _query(query, host) if has_query else ""
        if kept:
            result += "?" + kept
        if fragment.startswith("!") or (fragment and _on_site(host, _FRAGMENT_SITES)):
            # A "#!" (hashbang) fragment is how older single-page sites route to a post
            # ("https://example.com/#!/post/123"): without it every post would be the home page.
            result += "#" + _normalise_escapes(fragment, _FRAGMENT_SAFE)
    except UnicodeEncodeError:
        # A lone surrogate cannot be UTF-8 encoded; no copied address contains one.
        raise RejectedURL("invalid", _INVALID) from None
    if len(result) > MAX_LENGTH:
        raise RejectedURL("too_long", _TOO_LONG_ENCODED)
    return result


def host_of(canonical: str) -> str:
    """The host of a canonical URL: punycode and lower-case, an IPv6 address without its brackets."""
    host = urlsplit(canonical).hostname
    if not host:
        # The URL itself stays out of the message: it is case content and messages end up in logs.
        raise ValueError("not a canonical URL: it has no host")
    return host


def domain_candidates(host: str) -> list[str]:
    """The host and each domain it belongs to, longest first, for matching platforms by domain suffix:
    "m.facebook.com" gives ["m.facebook.com", "facebook.com", "com"]. An IP address is only itself."""
    host = host.lower().removesuffix(".")
    if not host:
        return []
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        labels = host.split(".")
        return [".".join(labels[index:]) for index in range(len(labels))]
    return [host]


def _strip(raw: str) -> str:
    """The line without surrounding whitespace, invisible characters, and quotes or brackets around it.

    Walks indexes rather than slicing or using a regex, so that a huge pasted line costs linear time."""
    start, end = 0, len(raw)
    while True:
        while start < end and (raw[start].isspace() or raw[start] in _INVISIBLE):
            start += 1
        while end > start and (raw[end - 1].isspace() or raw[end - 1] in _INVISIBLE):
            end -= 1
        if end - start < 2 or _BRACKETS.get(raw[start]) != raw[end - 1]:
            return raw[start:end]
        start, end = start + 1, end - 1


def _split_scheme(line: str) -> tuple[Literal["http", "https"], str]:
    """The scheme and what follows it, from the authority on. A line without one is taken as https."""
    match = _SCHEME.match(line)
    if match:
        scheme = match.group()[:-1].lower()
        after = line[match.end() :]
        if scheme in ("http", "https"):
            # Browsers skip any number of slashes here: "https:/example.com" opens example.com.
            return ("http" if scheme == "http" else "https"), after.lstrip("/\\")
        if scheme in _SCRIPT_SCHEMES:
            raise RejectedURL("scheme", _SCRIPT)
        if scheme == "file":
            raise RejectedURL("scheme", _FILE)
        if after.startswith("//") or not _PORT_THEN_REST.match(after):
            raise RejectedURL("scheme", _OTHER_SCHEME)
    # "t.me/room", "example.com:8080/a" or "//example.com/a": counsellors often copy the address from
    # an app or a message that shows it without a scheme; nearly every site now serves https.
    rest = line.lstrip("/\\")
    if any(char.isspace() for char in _AUTHORITY_END.split(rest, maxsplit=1)[0]):
        raise RejectedURL("invalid", _INVALID)  # words, not an address: "not a url at all"
    return "https", rest


def _host_and_port(authority: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        inside, bracket, port_text = authority[1:].partition("]")
        if not bracket or (port_text and not port_text.startswith(":")):
            raise RejectedURL("invalid", _INVALID_HOST)
        host = _ipv6_host(inside)
        port_text = port_text[1:]
    else:
        host_text, _colon, port_text = authority.partition(":")
        host = _domain_or_ipv4_host(host_text)
    return host, _port(port_text)


def _port(text: str) -> int | None:
    if not text:
        return None  # "example.com:" has no port, as in browsers
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= 65535:
        raise RejectedURL("invalid", _INVALID_PORT)
    return int(text)


def _ipv6_host(text: str) -> str:
    if "%" in text:  # a zone id ("fe80::1%eth0") names an interface of this computer
        raise RejectedURL("private_host", _PRIVATE)
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        raise RejectedURL("invalid", _INVALID_HOST) from None
    _require_public(address)
    return f"[{address.compressed}]"


def _domain_or_ipv4_host(text: str) -> str:
    """The host as browsers resolve it: percent-decoded, mapped to ASCII (IDNA), then read as an IPv4
    address if it ends in a number, so "0x7f.1" and "2130706433" are both 127.0.0.1."""
    try:
        decoded = unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise RejectedURL("invalid", _INVALID_HOST) from None
    # Full-width and ideographic dots ("。", "．") separate labels too, as in browsers.
    decoded = idna.dots.sub(".", decoded).removesuffix(".")
    if not decoded:
        raise RejectedURL("no_host", _NO_HOST)
    try:
        host = ".".join(idna.ToASCII(label).decode("ascii").lower() for label in decoded.split("."))
    except UnicodeError:  # an empty or over-long label, or characters IDNA prohibits
        raise RejectedURL("invalid", _INVALID_HOST) from None

    if _ends_in_number(host):
        ipv4 = _parse_ipv4(host)
        if ipv4 is None:
            raise RejectedURL("invalid", _INVALID_HOST)
        _require_public(ipv4)
        return str(ipv4)

    labels = host.split(".")
    if len(host) > _MAX_HOST_LENGTH or not all(_LABEL.fullmatch(label) for label in labels):
        raise RejectedURL("invalid", _INVALID_HOST)
    if any(not _valid_ace_label(label) for label in labels if label.startswith("xn--")):
        raise RejectedURL("invalid", _INVALID_HOST)
    if any(host == name or host.endswith("." + name) for name in _PRIVATE_NAMES):
        raise RejectedURL("private_host", _PRIVATE)
    if len(labels) == 1:
        # A name without a dot is resolved through the local network's search domains, if at all.
        raise RejectedURL("invalid", _SINGLE_LABEL)
    return host


def _valid_ace_label(label: str) -> bool:
    """Whether an "xn--" label is the punycode that IDNA itself would produce for what it decodes to."""
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
        return idna.ToASCII(decoded).decode("ascii").lower() == label
    except UnicodeError:
        return False


def _ends_in_number(host: str) -> bool:
    """WHATWG "ends in a number": the last label is decimal digits or 0x-hex, so the host is IPv4."""
    last = host.rpartition(".")[2]
    if last.isascii() and last.isdigit():
        return True
    return last[:2] in ("0x", "0X") and all(char in string.hexdigits for char in last[2:])


def _parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """WHATWG IPv4 parsing: one to four parts, each decimal, 0x-hex or 0-octal, the last part filling
    the remaining bytes ("127.1" is 127.0.0.1). None when the host is not an IPv4 address."""
    parts = host.split(".")
    if len(parts) > 4:
        return None
    numbers: list[int] = []
    for part in parts:
        if part[:2] in ("0x", "0X"):
            digits, base = part[2:], 16
        elif len(part) > 1 and part.startswith("0"):
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if not digits:
            if base == 10:
                return None  # an empty part: "1..2"
            numbers.append(0)  # "0x" alone is 0
            continue
        if not all(char in _DIGITS[base] for char in digits):
            return None  # int() alone would also take "1_0", "+1" and " 1"
        numbers.append(int(digits, base))
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last + sum(number * 256 ** (3 - index) for index, number in enumerate(leading))
    return ipaddress.IPv4Address(value)


def _require_public(address: IPAddress) -> None:
    if not _is_public(address):
        raise RejectedURL("private_host", _PRIVATE)


def _is_public(address: IPAddress) -> bool:
    """Whether an address can be a public website: not private, loopback, link-local, reserved,
    multicast or unspecified, nor an IPv6 address that embeds such an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        if any(inner is not None and not _is_public(inner) for inner in embedded):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def _path(path: str) -> str:
    """The path with normalised escapes and its "." and ".." segments resolved (RFC 3986 5.2.4); empty
    segments ("//") stay, as servers may tell them apart."""
    segments: list[str] = []
    raw_segments = path.split("/")[1:]
    for index, raw_segment in enumerate(raw_segments):
        # Normalised first, so that "%2e%2E" is resolved as "..", as browsers do.
        segment = _normalise_escapes(raw_segment, _PATH_SAFE)
        is_last = index == len(raw_segments) - 1
        if segment == "..":
            if segments:
                segments.pop()
        elif segment != ".":
            segments.append(segment)
            continue
        if is_last:
            segments.append("")  # "/a/b/.." is the directory "/a/", not "/a"
    return "/" + "/".join(segments)


def _query(query: str, host: str) -> str:
    """The query without empty pieces and tracking parameters; the rest in order, blank values kept."""
    kept: list[str] = []
    for piece in query.split("&"):
        if not piece:
            continue  # "a=1&&b=2": an empty piece carries nothing
        piece = _normalise_escapes(piece, _QUERY_SAFE)
        if not _is_tracking(piece.partition("=")[0], host):
            kept.append(piece)
    return "&".join(kept)


def _is_tracking(name: str, host: str) -> bool:
    base = unquote(name).lower().partition("[")[0]
    if base.startswith(_TRACKING_PREFIXES) or base in _TRACKING_EVERYWHERE:
        return True
    return any(base in _TRACKING_BY_SITE.get(domain, ()) for domain in domain_candidates(host))


def _on_site(host: str, domains: frozenset[str]) -> bool:
    return any(domain in domains for domain in domain_candidates(host))


def _normalise_escapes(text: str, safe: frozenset[str]) -> str:
    """One spelling of a URL part: escapes in upper-case hex, escaped unreserved characters decoded,
    anything not safe (a space, "é", a stray "%") escaped as UTF-8. Reserved characters keep their form:
    "a%2Fb" and "a/b" are different addresses."""
    parts: list[str] = []
    for match in _ESCAPE_OR_CHAR.finditer(text):
        token = match.group()
        if len(token) == 3:
            char = chr(int(token[1:], 16))
            parts.append(char if char in _UNRESERVED else token.upper())
        elif token in safe:
            parts.append(token)
        else:
            parts.append("".join(f"%{byte:02X}" for byte in token.encode("utf-8")))
    return "".join(parts)
