"""Outbound HTTP on a tenant's behalf (sync targets; any URL a tenant gives the server to
call): never to this machine or its private network, unless the system tenant's operator
asked for it.

A URL a tenant admin saves would otherwise let their key make the server fetch anything it
can reach (the admin API of a router, a cloud metadata service, another local service) and
read the answer back in an error. Two checks:

- when the URL is given: its host must not resolve to a loopback, private, link-local or
  otherwise internal address (a clear 400 on the `url` field);
- when each connection is made: the address actually connected to is checked again, so a
  name that resolves differently later (DNS rebinding) or a redirect to an internal host is
  refused too, before a byte is sent.

Environment proxies are ignored for guarded sessions: a proxy on the local network would be
the internal address connected to.

The checks of a URL import nothing heavy; requests and urllib3 (and the guarded connections,
`guarded_http.py`) are imported by the first session or pool made: ~50 ms of every start
otherwise, for calls most starts never make.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scorm_api.errors import validation_error

if TYPE_CHECKING:
    import requests
    import urllib3

_URL_HELP = "An http(s) base URL such as https://app.allureconnect.com (no query, fragment or credentials)"
_QUERY_URL_HELP = "An http(s) URL such as https://example.org/hooks/scorm (no fragment or credentials)"
REFUSED_MESSAGE = "loopback and private addresses are reachable by the system tenant's operator only"


class InternalAddressRefused(OSError):
    """A guarded connection reached (or would reach) an internal address."""


def is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # Not global: loopback, private (RFC 1918, ULA), link-local, CGNAT, reserved, unspecified.
    return not ip.is_global or ip.is_multicast


def check_url(url: str, field: str = "url", query: bool = False) -> str:
    """An http(s) base URL with nothing that could steer the path (no query unless `query`,
    no fragment or credentials); returned without its trailing slash."""
    raw = url or ""
    parts = urlsplit(raw)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c in raw for c in ("#@\\" if query else "?#@\\"))
        or any(ord(c) <= 32 or ord(c) == 127 for c in raw)
    ):
        raise validation_error({field: [_QUERY_URL_HELP if query else _URL_HELP]})
    return raw if query else raw.rstrip("/")  # a webhook URL is called as it is


def check_destination(url: str, allow_internal: bool, field: str = "url", query: bool = False) -> str:
    """check_url, then refuse a host that resolves to an internal address (unless allowed).
    A host that does not resolve now is left to fail when it is called."""
    url = check_url(url, field, query)
    if allow_internal:
        return url
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):
        return url
    if any(is_internal(str(info[4][0])) for info in infos):
        raise validation_error(
            {field: [f"{parts.hostname} is on this machine or its network: {REFUSED_MESSAGE}"]}
        )
    return url


def session(allow_internal: bool) -> requests.Session:
    """A requests session for calls on a tenant's behalf."""
    import requests

    from scorm_api.guarded_http import GuardedAdapter

    http = requests.Session()
    if not allow_internal:
        http.trust_env = False
        adapter = GuardedAdapter()
        http.mount("http://", adapter)
        http.mount("https://", adapter)
    return http


class Pools:
    """urllib3 connection pools for many small calls on tenants' behalf (webhook deliveries),
    lighter than a requests session: no per-call netrc and environment lookups, a third of
    the Python time per POST. Guarded as `session` is; the system tenant's operator's calls
    go through the environment's proxy when one is set for the URL, as requests would send
    them. Thread-safe (one per sender pool)."""

    def __init__(self, maxsize: int) -> None:
        import urllib3

        from scorm_api.guarded_http import POOL_CLASSES

        self._maxsize = maxsize
        guarded = urllib3.PoolManager(maxsize=maxsize)
        guarded.pool_classes_by_scheme = POOL_CLASSES
        plain = urllib3.PoolManager(maxsize=maxsize)
        self._managers: dict[Any, urllib3.PoolManager] = {False: guarded, True: plain}
        self._proxy_manager = urllib3.ProxyManager
        self._env = urllib.request.getproxies_environment()  # read once: it does not change

    def get(self, url: str, allow_internal: bool) -> urllib3.PoolManager:
        if allow_internal and self._env:
            proxy = self._proxy(url)
            if proxy:
                if proxy not in self._managers:
                    self._managers[proxy] = self._proxy_manager(proxy, maxsize=self._maxsize)
                return self._managers[proxy]
        return self._managers[allow_internal]

    @functools.lru_cache(maxsize=256)  # noqa: B019 (the pools live as long as the process)
    def _proxy(self, url: str) -> str | None:
        parts = urlsplit(url)
        if urllib.request.proxy_bypass(parts.hostname or ""):  # no_proxy
            return None
        return self._env.get(parts.scheme) or self._env.get("all")


def refused(exc: BaseException) -> InternalAddressRefused | None:
    """The InternalAddressRefused behind a requests or urllib3 error, if that is what it was."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, InternalAddressRefused):
            return e
        todo.extend(
            [e.__cause__, e.__context__, *[a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]]
        )
        reason = getattr(e, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
    return None
