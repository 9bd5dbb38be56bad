"""Every URL pattern of the project as a name and a template whose parameters are named: `/cases/{pk}/`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^()]*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(?P<name>\w+)>")
PARAMETER = re.compile(r"\{(\w+)\}")


def _template(fragment: str) -> str:
    """One route or regex fragment with each parameter written `{name}`."""
    if fragment.startswith("^") or fragment.endswith("$") or "(?P<" in fragment:
        text = fragment.removeprefix("^").removesuffix("$").replace("\\Z", "")
        return _GROUP.sub(lambda m: "{" + m.group("name") + "}", text).replace("\\", "")
    return _CONVERTER.sub(lambda m: "{" + m.group("name") + "}", fragment)


def _walk(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        fragment = _template(str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + fragment, ns)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", "/" + prefix + fragment
        else:
            yield f"{namespace}<unnamed {prefix + fragment}>", "/" + prefix + fragment


def all_routes() -> dict[str, str]:
    """Name → template, for every pattern of the URL configuration (unnamed ones named by their route)."""
    routes: dict[str, str] = {}
    for name, template in _walk(get_resolver().url_patterns, "", ""):
        assert name not in routes or routes[name] == template, f"two routes named {name}"
        routes[name] = template
    return routes
