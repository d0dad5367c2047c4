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
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from scorm_api.errors import validation_error

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


def _checked(sock: socket.socket) -> socket.socket:
    peer = str(sock.getpeername()[0])
    if is_internal(peer):
        sock.close()
        raise InternalAddressRefused(f"{peer}: {REFUSED_MESSAGE}")
    return sock


class _HTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn())


class _HTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn())


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """An adapter whose every connection is checked against internal addresses."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def session(allow_internal: bool) -> requests.Session:
    """A requests session for calls on a tenant's behalf."""
    http = requests.Session()
    if not allow_internal:
        http.trust_env = False
        adapter = GuardedAdapter()
        http.mount("http://", adapter)
        http.mount("https://", adapter)
    return http


def refused(exc: BaseException) -> InternalAddressRefused | None:
    """The InternalAddressRefused behind a requests error, if that is what it was."""
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
