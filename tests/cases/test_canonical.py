"""Pasted addresses are canonicalised so that two spellings of one page compare equal, and lines that
cannot be the public address of a page are refused with a code and a message a counsellor can act on."""

from __future__ import annotations

import ipaddress
import string
from urllib.parse import unquote, urlsplit

import pytest
from django.utils.functional import Promise
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from cases.canonical import MAX_LENGTH, RejectedURL, canonicalise, domain_candidates, host_of

ACCEPTED = [
    # Telegram
    pytest.param("https://t.me/joinchat/AbCdEf123_xyz", "https://t.me/joinchat/AbCdEf123_xyz", id="telegram-joinchat"),
    pytest.param("t.me/some_room/123", "https://t.me/some_room/123", id="telegram-bare"),
    pytest.param("  https://t.me/+AbCdEfGh12345  ", "https://t.me/+AbCdEfGh12345", id="telegram-invite-spaces"),
    pytest.param(
        "https://telegram.me/s/channelname?before=100", "https://telegram.me/s/channelname?before=100", id="telegram-me"
    ),
    pytest.param("\u3000https://t.me/room/5\u3000", "https://t.me/room/5", id="ideographic-spaces"),
    pytest.param("\u200bhttps://t.me/room/5\ufeff", "https://t.me/room/5", id="zero-width-around"),
    # X / Twitter: s is the share source, t the sharer's token
    pytest.param(
        "https://twitter.com/someuser/status/1234567890?s=20&t=AbCdEfGhIjKlMn",
        "https://twitter.com/someuser/status/1234567890",
        id="twitter-share",
    ),
    pytest.param(
        "https://x.com/someuser/status/1234567890?s=46&t=xYz", "https://x.com/someuser/status/1234567890", id="x"
    ),
    pytest.param(
        "https://mobile.twitter.com/someuser/status/1?s=21",
        "https://mobile.twitter.com/someuser/status/1",
        id="twitter-m",
    ),
    pytest.param(
        "https://x.com/someuser/status/1?ref_src=twsrc%5Etfw", "https://x.com/someuser/status/1", id="x-embed-ref-src"
    ),
    # Instagram
    pytest.param(
        "https://www.instagram.com/p/CxYz123AbC/?igshid=MzRlODBiNWFlZA==",
        "https://www.instagram.com/p/CxYz123AbC/",
        id="instagram-igshid",
    ),
    pytest.param(
        "https://www.instagram.com/p/CxYz123AbC/?img_index=2&igsh=MWQ1ZGUx",
        "https://www.instagram.com/p/CxYz123AbC/?img_index=2",
        id="instagram-igsh-keeps-img-index",
    ),
    pytest.param(
        "https://www.instagram.com/reel/Cabc/?utm_source=ig_web_copy_link",
        "https://www.instagram.com/reel/Cabc/",
        id="instagram-utm",
    ),
    # Facebook
    pytest.param(
        "https://m.facebook.com/story.php?story_fbid=123&id=456&fbclid=IwAR0abc",
        "https://m.facebook.com/story.php?story_fbid=123&id=456",
        id="facebook-mobile-fbclid",
    ),
    pytest.param(
        "https://www.facebook.com/photo/?fbid=123&set=a.456&mibextid=Nif5oz",
        "https://www.facebook.com/photo/?fbid=123&set=a.456",
        id="facebook-mibextid",
    ),
    pytest.param(
        "https://www.facebook.com/groups/123/posts/456/?__cft__[0]=AZXabc&__tn__=%2CO%2CP-R",
        "https://www.facebook.com/groups/123/posts/456/",
        id="facebook-feed-tracking",
    ),
    # YouTube: si is the share id, t the start time (content)
    pytest.param(
        "https://youtu.be/dQw4w9WgXcQ?si=AbCdEf&t=42", "https://youtu.be/dQw4w9WgXcQ?t=42", id="youtu-be-si-t"
    ),
    pytest.param(
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s&si=xyz",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
        id="youtube-watch",
    ),
    pytest.param(
        "https://www.youtube.com/shorts/AbC123?feature=share",
        "https://www.youtube.com/shorts/AbC123",
        id="youtube-feature",
    ),
    pytest.param(
        "https://open.spotify.com/track/4uLU6h?si=9f8e7d", "https://open.spotify.com/track/4uLU6h", id="spotify-si"
    ),
    # TikTok
    pytest.param(
        "https://www.tiktok.com/@some.user/video/7234567890123456789?is_from_webapp=1&sender_device=pc&web_id=72345",
        "https://www.tiktok.com/@some.user/video/7234567890123456789",
        id="tiktok-share",
    ),
    pytest.param("https://vm.tiktok.com/ZMabcdef/", "https://vm.tiktok.com/ZMabcdef/", id="tiktok-short"),
    # Discord, Reddit, Kakao, telegra.ph
    pytest.param("https://discord.gg/AbCdEf", "https://discord.gg/AbCdEf", id="discord-invite"),
    pytest.param("discord.com/invite/AbCdEf", "https://discord.com/invite/AbCdEf", id="discord-invite-bare"),
    pytest.param(
        "https://www.reddit.com/r/somesub/comments/abc123/some_title/?utm_source=share&utm_medium=ios_app&utm_name=iossmf",
        "https://www.reddit.com/r/somesub/comments/abc123/some_title/",
        id="reddit-utm",
    ),
    pytest.param(
        "https://www.reddit.com/r/somesub/comments/abc123/t/?share_id=Xyz&context=3",
        "https://www.reddit.com/r/somesub/comments/abc123/t/?context=3",
        id="reddit-share-id",
    ),
    pytest.param("https://open.kakao.com/o/gAbCdEf", "https://open.kakao.com/o/gAbCdEf", id="kakao-open-chat"),
    pytest.param("https://telegra.ph/Some-Title-01-01", "https://telegra.ph/Some-Title-01-01", id="telegraph"),
    # Google's redirect is kept as pasted: it is what was seen, and unwrapping it would change the platform
    pytest.param(
        "https://www.google.com/url?sa=t&rct=j&q=&esrc=s&source=web&cd=&url=https%3A%2F%2Fexample.com%2Fp&usg=AOv",
        "https://www.google.com/url?sa=t&rct=j&q=&esrc=s&source=web&cd=&url=https%3A%2F%2Fexample.com%2Fp&usg=AOv",
        id="google-redirect-kept",
    ),
    pytest.param(
        "https://www.google.com/search?q=%ea%b9%80&tbm=isch",
        "https://www.google.com/search?q=%EA%B9%80&tbm=isch",
        id="google-search",
    ),
    # Naver and Daum
    pytest.param(
        "https://blog.naver.com/someblog/223123456789", "https://blog.naver.com/someblog/223123456789", id="naver"
    ),
    pytest.param(
        "https://m.blog.naver.com/PostView.naver?blogId=someblog&logNo=223123456789",
        "https://m.blog.naver.com/PostView.naver?blogId=someblog&logNo=223123456789",
        id="naver-mobile",
    ),
    pytest.param("https://cafe.daum.net/somecafe/AbCd/123", "https://cafe.daum.net/somecafe/AbCd/123", id="daum-cafe"),
    # Korean IDN hosts and paths
    pytest.param("https://한국.kr/경로", "https://xn--3e0b707e.kr/%EA%B2%BD%EB%A1%9C", id="korean-idn"),
    pytest.param(
        "https://XN--3E0B707E.kr/%ea%b2%bd%eb%a1%9c", "https://xn--3e0b707e.kr/%EA%B2%BD%EB%A1%9C", id="korean-ace"
    ),
    pytest.param("https://도메인.한국", "https://xn--hq1bm8jm9l.xn--3e0b707e/", id="korean-tld"),
    pytest.param("https://ｅｘａｍｐｌｅ．ｃｏｍ/a", "https://example.com/a", id="full-width-host"),
    # Case, ports, fragments, dots
    pytest.param(
        "HTTPS://WWW.Example.COM/Some/Path", "https://www.example.com/Some/Path", id="case-of-scheme-and-host"
    ),
    pytest.param("http://example.com:80/a", "http://example.com/a", id="port-80"),
    pytest.param("https://example.com:443/a", "https://example.com/a", id="port-443"),
    pytest.param("https://example.com:8080/a", "https://example.com:8080/a", id="port-8080"),
    pytest.param("http://example.com:443/a", "http://example.com:443/a", id="port-443-on-http"),
    pytest.param("https://example.com:/a", "https://example.com/a", id="empty-port"),
    pytest.param("https://example.com/post/1#comments", "https://example.com/post/1", id="fragment"),
    pytest.param("https://t.me/s/room?before=1#", "https://t.me/s/room?before=1", id="empty-fragment"),
    pytest.param("https://example.com/#!/post/123", "https://example.com/#!/post/123", id="hashbang"),
    pytest.param("https://mega.nz/file/AbCdEfGh#KeyKey-123", "https://mega.nz/file/AbCdEfGh#KeyKey-123", id="mega-key"),
    pytest.param("https://example.com./a", "https://example.com/a", id="trailing-dot"),
    pytest.param("https://example.com/a/./b/../c", "https://example.com/a/c", id="dot-segments"),
    pytest.param("https://example.com/a/b/..", "https://example.com/a/", id="dot-dot-last"),
    pytest.param("https://example.com/%2e%2E/a/%2e", "https://example.com/a/", id="escaped-dot-segments"),
    pytest.param("https://example.com//a", "https://example.com//a", id="double-slash-kept"),
    pytest.param(
        "https://web.archive.org/web/2024/https://t.me/room",
        "https://web.archive.org/web/2024/https://t.me/room",
        id="address-inside-an-address",
    ),
    # Percent-encoding
    pytest.param("https://example.com/%7Euser/%41bc", "https://example.com/~user/Abc", id="escaped-unreserved"),
    pytest.param("https://example.com/a%2fb", "https://example.com/a%2Fb", id="escaped-slash-stays"),
    pytest.param("https://example.com/my file", "https://example.com/my%20file", id="space"),
    pytest.param("https://example.com/caf%c3%a9?q=café", "https://example.com/caf%C3%A9?q=caf%C3%A9", id="non-ascii"),
    pytest.param("https://example.com/100%", "https://example.com/100%25", id="stray-percent"),
    pytest.param("https://example.com/a?q=it's", "https://example.com/a?q=it%27s", id="quote-in-query"),
    pytest.param("https://ex%61mple.com/", "https://example.com/", id="escaped-host"),
    # Queries
    pytest.param("https://example.com/search?q=&page=2", "https://example.com/search?q=&page=2", id="blank-value"),
    pytest.param("https://example.com/?", "https://example.com/", id="empty-query"),
    pytest.param("https://example.com/?utm_source=x&utm_medium=y", "https://example.com/", id="only-tracking"),
    pytest.param("https://example.com/l?b=2&a=1&b=3", "https://example.com/l?b=2&a=1&b=3", id="order-kept"),
    pytest.param(
        "https://example.com/a?UTM_Source=x&id=5&GCLID=y", "https://example.com/a?id=5", id="tracking-any-case"
    ),
    pytest.param("https://example.com/a?x=1&&y=2", "https://example.com/a?x=1&y=2", id="empty-piece"),
    pytest.param("https://example.com/?s=deepfake", "https://example.com/?s=deepfake", id="s-kept-elsewhere"),
    pytest.param("https://example.com/v?si=abc&t=10", "https://example.com/v?si=abc&t=10", id="si-t-kept-elsewhere"),
    # Scheme-less, wrapped, odd but what browsers open
    pytest.param("example.com/path", "https://example.com/path", id="bare"),
    pytest.param("example.com", "https://example.com/", id="bare-host"),
    pytest.param("example.com:8080/a", "https://example.com:8080/a", id="bare-with-port"),
    pytest.param("//example.com/a", "https://example.com/a", id="scheme-relative"),
    pytest.param("<https://example.com/a>", "https://example.com/a", id="angle-brackets"),
    pytest.param('"https://example.com/a"', "https://example.com/a", id="quotes"),
    pytest.param("“https://example.com/a”", "https://example.com/a", id="smart-quotes"),
    pytest.param("https:/example.com/a", "https://example.com/a", id="one-slash"),
    pytest.param("https://example.com\\a\\b", "https://example.com/a/b", id="backslashes"),
    pytest.param("https://example.com", "https://example.com/", id="empty-path"),
    pytest.param("http://8.8.8.8/a", "http://8.8.8.8/a", id="public-ipv4"),
    pytest.param("http://0x08080808/", "http://8.8.8.8/", id="public-ipv4-hex"),
    pytest.param("http://[2001:4860:4860:0::8888]:80/", "http://[2001:4860:4860::8888]/", id="public-ipv6"),
]

REJECTED = [
    pytest.param("javascript:alert(1)", "scheme", id="javascript"),
    pytest.param("JavaScript:alert(document.cookie)", "scheme", id="javascript-case"),
    pytest.param("data:text/html;base64,PHNjcmlwdD4=", "scheme", id="data"),
    pytest.param("file:///C:/Users/victim/Pictures/a.jpg", "scheme", id="file"),
    pytest.param("ftp://files.example.com/a.jpg", "scheme", id="ftp"),
    pytest.param("mailto:someone@example.com", "scheme", id="mailto"),
    pytest.param("blob:https://www.instagram.com/5f0c-11", "scheme", id="blob"),
    pytest.param("https://user:pass@example.com/", "credentials", id="user-and-password"),
    pytest.param("https://user@example.com/", "credentials", id="user"),
    pytest.param("http://127.0.0.1/", "private_host", id="loopback"),
    pytest.param("http://10.0.0.5/admin", "private_host", id="private-10"),
    pytest.param("http://192.168.1.1", "private_host", id="private-192"),
    pytest.param("http://172.16.0.1/", "private_host", id="private-172"),
    pytest.param("http://100.64.0.1/", "private_host", id="shared-address-space"),
    pytest.param("http://[::1]/", "private_host", id="ipv6-loopback"),
    pytest.param("http://[fe80::1]/", "private_host", id="ipv6-link-local"),
    pytest.param("http://[fc00::5]/", "private_host", id="ipv6-unique-local"),
    pytest.param("http://[::ffff:127.0.0.1]/", "private_host", id="ipv4-mapped-loopback"),
    pytest.param("http://169.254.169.254/latest/meta-data/", "private_host", id="cloud-metadata"),
    pytest.param("http://2130706433/", "private_host", id="loopback-as-integer"),
    pytest.param("http://0x7f.1/", "private_host", id="loopback-as-hex"),
    pytest.param("http://0177.0.0.1/", "private_host", id="loopback-as-octal"),
    pytest.param("http://127.1/", "private_host", id="loopback-short"),
    pytest.param("http://0.0.0.0/", "private_host", id="unspecified"),
    pytest.param("http://224.0.0.1/", "private_host", id="multicast"),
    pytest.param("http://240.0.0.1/", "private_host", id="reserved"),
    pytest.param("localhost", "private_host", id="localhost-bare"),
    pytest.param("http://localhost:8000/", "private_host", id="localhost"),
    pytest.param("http://app.localhost/", "private_host", id="dot-localhost"),
    pytest.param("http://printer.local/", "private_host", id="dot-local"),
    pytest.param("http://metadata.google.internal/", "private_host", id="dot-internal"),
    pytest.param("https://example.com/" + "a" * (MAX_LENGTH + 1 - len("https://example.com/")), "too_long", id="2049"),
    pytest.param("https://example.com/" + "경" * 300, "too_long", id="too-long-once-encoded"),
    pytest.param("", "empty", id="empty"),
    pytest.param("   \t ", "empty", id="blank"),
    pytest.param("<>", "empty", id="empty-brackets"),
    pytest.param("not a url at all", "invalid", id="words"),
    pytest.param("http://exa mple.com", "invalid", id="space-in-host"),
    pytest.param("https://exa<mple.com/", "invalid", id="bracket-in-host"),
    pytest.param("https://example..com/", "invalid", id="empty-label"),
    pytest.param("https://xn--zz.com/", "invalid", id="bad-punycode"),
    pytest.param("hello", "invalid", id="no-dot"),
    pytest.param("http://example.com:99999/", "invalid", id="port-too-big"),
    pytest.param("http://example.com:8o/", "invalid", id="port-not-a-number"),
    pytest.param("http://999.1.1.1/", "invalid", id="ipv4-out-of-range"),
    pytest.param("http://[::1/", "invalid", id="unclosed-bracket"),
    pytest.param("https://example.com/a\nb", "invalid", id="line-break"),
    pytest.param("https://example.com/a https://example.com/b", "invalid", id="two-addresses"),
    pytest.param('"https://example.com/a" "https://example.com/b"', "invalid", id="two-quoted-addresses"),
    pytest.param("http://", "no_host", id="scheme-only"),
    pytest.param("https://?q=1", "no_host", id="query-only"),
]

GLOBAL_TRACKING = {"fbclid", "gclid", "dclid", "msclkid", "igshid", "igsh", "_ga", "_gl", "mc_eid"}
SITE_TRACKING = {
    "si": ("youtube.com", "youtu.be", "spotify.com"),
    "s": ("twitter.com", "x.com"),
    "t": ("twitter.com", "x.com"),
}
DEFAULT_PORTS = {"http": 80, "https": 443}
PRIVATE_NETWORKS = ["10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]


@pytest.mark.parametrize(("raw", "expected"), ACCEPTED)
def test_it_canonicalises_what_counsellors_paste(raw: str, expected: str) -> None:
    assert canonicalise(raw) == expected


@pytest.mark.parametrize(("raw", "code"), REJECTED)
def test_it_rejects_what_cannot_be_a_public_page(raw: str, code: str) -> None:
    with pytest.raises(RejectedURL) as rejected:
        canonicalise(raw)
    assert rejected.value.code == code


@pytest.mark.parametrize(
    "spellings",
    [
        ["https://example.com/%7Ea", "https://example.com/~a", "HTTPS://EXAMPLE.COM:443/%7ea#top", " example.com/~a "],
        ["https://한국.kr/경로", "https://xn--3e0b707e.kr/%EA%B2%BD%EB%A1%9C", "한국.kr/%ea%b2%bd%eb%a1%9c"],
        ["https://x.com/u/status/1", "https://x.com/u/status/1?s=20&t=Ab", "https://X.com./u/status/1?s=46"],
        ["https://example.com/a b", "https://example.com/a%20b", "https://example.com/a%20b?"],
    ],
)
def test_it_gives_one_spelling_of_a_page(spellings: list[str]) -> None:
    assert len({canonicalise(spelling) for spelling in spellings}) == 1


def test_it_accepts_a_line_of_exactly_the_maximum_length() -> None:
    url = "https://example.com/" + "a" * (MAX_LENGTH - len("https://example.com/"))
    assert canonicalise(url) == url


def test_it_explains_rejections_lazily_without_repeating_the_line() -> None:
    secret = "victim-name-kim-minji"
    for raw in [f"javascript:{secret}", f"http://10.0.0.1/{secret}", f"https://{secret}:pw@example.com/", secret]:
        with pytest.raises(RejectedURL) as rejected:
            canonicalise(raw)
        assert isinstance(rejected.value, ValueError)
        assert isinstance(rejected.value.message, Promise)  # translated when shown, in the reader's language
        assert str(rejected.value.message)
        assert secret not in str(rejected.value)


@pytest.mark.parametrize(
    ("canonical", "host"),
    [
        ("https://m.facebook.com/story.php?id=1", "m.facebook.com"),
        ("https://xn--3e0b707e.kr/%EA%B2%BD", "xn--3e0b707e.kr"),
        ("https://example.com:8080/", "example.com"),
        ("http://[2001:4860:4860::8888]/", "2001:4860:4860::8888"),
    ],
)
def test_it_finds_the_host_of_a_canonical_url(canonical: str, host: str) -> None:
    assert host_of(canonical) == host


def test_it_refuses_the_host_of_a_url_without_one() -> None:
    with pytest.raises(ValueError, match="no host"):
        host_of("/just/a/path")


@pytest.mark.parametrize(
    ("host", "candidates"),
    [
        ("m.facebook.com", ["m.facebook.com", "facebook.com", "com"]),
        ("t.me", ["t.me", "me"]),
        ("blog.xn--3e0b707e.kr", ["blog.xn--3e0b707e.kr", "xn--3e0b707e.kr", "kr"]),
        ("8.8.8.8", ["8.8.8.8"]),
        ("2001:4860:4860::8888", ["2001:4860:4860::8888"]),
        ("", []),
    ],
)
def test_it_lists_the_domains_a_host_belongs_to_longest_first(host: str, candidates: list[str]) -> None:
    assert domain_candidates(host) == candidates


# Generated addresses: the pieces counsellors' lines are made of, mixed with arbitrary text.

LABELS = ["example", "EXAMPLE", "t", "me", "blog", "naver", "cafe", "daum", "www", "m", "a-b", "한국", "경찰", "블로그"]
TOP_LEVEL = ["com", "COM", "kr", "net", "me", "한국", "xn--3e0b707e"]
SITES = ["t.me", "x.com", "twitter.com", "youtu.be", "www.youtube.com", "open.spotify.com", "m.facebook.com"]
PIECES = [*"aZ09-._~!$&'()*+,;=:@/?# ", "%2e", "%2E", "%41", "%7e", "%2F", "%e2%82%ac", "%zz", "%", "경", "é", "😀"]
PARAMETERS = ["utm_source", "UTM_Medium", "utm_campaign", "fbclid", "gclid", "igshid", "igsh", "_ga", "mc_eid"]
PARAMETERS += ["si", "s", "t", "v", "q", "a", "page", "검색", "a[]", "%75tm_source"]

text = st.lists(st.one_of(st.sampled_from(PIECES), st.characters(exclude_categories=("Cs", "Cc"))), max_size=8).map(
    "".join
)
hosts = st.one_of(
    st.sampled_from(SITES),
    st.builds(
        lambda labels, top, dot: ".".join([*labels, top]) + dot,
        st.lists(st.sampled_from(LABELS), min_size=1, max_size=3),
        st.sampled_from(TOP_LEVEL),
        st.sampled_from(["", "."]),
    ),
)
paths = st.lists(st.one_of(text, st.sampled_from([".", "..", ""])), max_size=5).map(lambda segments: "/".join(segments))
parameters = st.builds(
    lambda name, equals, value: name + equals + value,
    st.sampled_from(PARAMETERS) | text,
    st.sampled_from(["=", ""]),
    text,
)
queries = st.one_of(st.just(""), st.lists(parameters, max_size=5).map(lambda pieces: "?" + "&".join(pieces)))
fragments = st.one_of(st.sampled_from(["", "#", "#top", "#!/post/1", "#!"]), text.map(lambda fragment: "#" + fragment))
urls = st.builds(
    lambda scheme, host, port, path, query, fragment: f"{scheme}{host}{port}/{path}{query}{fragment}",
    st.sampled_from(["http://", "https://", "HTTP://", ""]),
    hosts,
    st.sampled_from(["", ":80", ":443", ":8080", ":0443", ":"]),
    paths,
    queries,
    fragments,
)
modest = settings(max_examples=300, deadline=None, database=None)


def _accepted(url: str) -> str:
    try:
        return canonicalise(url)
    except RejectedURL:
        reject()


def _tracking(name: str, host: str) -> bool:
    if name.startswith("utm_") or name in GLOBAL_TRACKING:
        return True
    return any(host == site or host.endswith("." + site) for site in SITE_TRACKING.get(name, ()))


@modest
@given(urls)
def test_it_changes_nothing_in_a_canonical_url(url: str) -> None:
    canonical = _accepted(url)
    assert canonicalise(canonical) == canonical


@modest
@given(urls)
def test_it_gives_a_web_address_without_fragment_tracking_or_default_port(url: str) -> None:
    canonical = _accepted(url)
    parts = urlsplit(canonical)
    assert canonical.startswith(("http://", "https://"))
    assert "#" not in canonical or parts.fragment.startswith("!")  # no key-in-fragment site is generated
    assert parts.port != DEFAULT_PORTS[parts.scheme]
    assert parts.hostname is not None
    names = [unquote(piece.partition("=")[0]).lower() for piece in parts.query.split("&") if piece]
    assert not [name for name in names if _tracking(name, parts.hostname)]
    assert canonical.isascii() and canonical.isprintable() and " " not in canonical
    assert len(canonical) <= MAX_LENGTH
    assert host_of(canonical) == parts.hostname == parts.hostname.lower()


@modest
@given(st.text(alphabet=string.ascii_letters + string.digits + "-._~", min_size=1, max_size=20), st.data())
def test_it_reads_an_escaped_unreserved_character_as_the_character(segment: str, data: st.DataObject) -> None:
    escaped = "".join(data.draw(st.sampled_from([char, f"%{ord(char):02x}", f"%{ord(char):02X}"])) for char in segment)
    assert canonicalise(f"https://example.com/{escaped}") == canonicalise(f"https://example.com/{segment}")


@modest
@given(st.sampled_from(PRIVATE_NETWORKS).flatmap(lambda network: st.ip_addresses(v=4, network=network)))
def test_it_rejects_a_private_ipv4_address_in_every_spelling(address: ipaddress.IPv4Address) -> None:
    number = int(address)
    dotted_hex = ".".join(f"0x{byte:x}" for byte in address.packed)
    for host in [str(address), str(number), hex(number), dotted_hex, f"{address}."]:
        with pytest.raises(RejectedURL) as rejected:
            canonicalise(f"http://{host}/")
        assert rejected.value.code == "private_host"
