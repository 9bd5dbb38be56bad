"""Every URL pattern refuses a signed-out visitor, except an explicit public list."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Names of the patterns anyone may reach, and why.
PUBLIC = {
    "healthz",  # liveness probe
    "readyz",  # readiness probe
    "accounts:login",  # the sign-in page itself
    "accounts:logout",  # signing out when signed out does nothing
    "set_language",  # the language switch on the sign-in page
    "api-token",  # exchanging e-mail and password for a token
    "accounts:password_reset_confirm",  # the password link mailed to an account's own address
    "accounts:password_reset_complete",  # "your password is set, sign in"
    "admin:login",  # the admin's own sign-in page
    "admin:logout",
    "portal:sign_in",  # the victim's sign-in page
    "portal:sign_out",  # ending a portal session that does not exist does nothing
    "portal:exit",  # the quick exit works with or without a session
}

_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")
_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_SAMPLES = {"int": "1", "uuid": "6b3a55f0-5a47-4c4a-9e54-39c8e8f1a0c1", "slug": "x", "str": "x", "path": "x"}


def _sample(fragment: str) -> str:
    """A concrete path matched by one route or regex fragment of a pattern."""
    if fragment.startswith("^") or fragment.endswith("$") or "(?P<" in fragment:
        text = fragment.lstrip("^").rstrip("$").replace("\\Z", "")
        text = _GROUP.sub(lambda m: m.group("body").split("|")[0] if "|" in m.group("body") else "1", text)
        return text.replace("\\", "")
    return _CONVERTER.sub(lambda m: _SAMPLES.get(m.group("conv") or "str", "x"), fragment)


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        fragment = _sample(str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from _walk(pattern.url_patterns, prefix + fragment, f"{namespace}{ns}:" if ns else namespace)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed {prefix + fragment}>"
            yield name, "/" + prefix + fragment


ALL = sorted(set(_walk(get_resolver().url_patterns)))


def test_it_found_the_patterns() -> None:
    names = {name for name, _ in ALL}
    assert {"cases:dashboard", "api-me", "schema", "api-docs", "admin:index"} <= names
    assert names >= PUBLIC, f"public names that no longer exist: {PUBLIC - names}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path"), [entry for entry in ALL if entry[0] not in PUBLIC])
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_refuses_a_signed_out_visitor(client, name: str, path: str, method: str) -> None:
    response = getattr(client, method)(path)
    if response.status_code == 302:
        # The portal's pages send a visitor to the portal's own sign-in, never to the staff one.
        expected = "/portal/" if name.startswith("portal:") else "/login/"
        assert (
            response["Location"].endswith(expected) if expected == "/portal/" else expected in response["Location"]
        ), f"{name} {path} redirects elsewhere: {response['Location']}"
    else:
        assert response.status_code in {401, 403}, f"{method.upper()} {name} {path} answered {response.status_code}"
