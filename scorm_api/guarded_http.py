"""The connections outbound.py hands out for calls on a tenant's behalf: urllib3 pools (and a
requests adapter over them) whose every connection checks the address it reached, before a
byte is sent. Imported only when the first such call is prepared (outbound.session, Pools)."""

from __future__ import annotations

import socket
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from scorm_api.outbound import REFUSED_MESSAGE, InternalAddressRefused, is_internal


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


POOL_CLASSES: dict[str, type[HTTPConnectionPool]] = {"http": _HTTPPool, "https": _HTTPSPool}


class GuardedAdapter(HTTPAdapter):
    """An adapter whose every connection is checked against internal addresses."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = POOL_CLASSES
