"""Who a request acts as: the Principal an authenticated request carries, and the scopes it may
use. How a principal is found (an API key, the dashboard's sign-in cookie) is up to the domains
that plug a principal source into PRINCIPAL_SOURCES; endpoint.authorize asks them in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scorm_api.errors import forbidden
from scorm_api.hooks import Hook

SCOPES = ("read", "write", "admin")
# The key id of a signed-in dashboard's principal starts so (dashboard/guard.py).
DASHBOARD_KEY_PREFIX = "dashboard:"
# A request this process makes to its own API (an import applied through it, sync/byfile/)
# carries its Principal in the WSGI environ under this key: no HTTP client can set an environ
# key (a header becomes HTTP_*), so only code in this process acts so. Its key id starts
# INTERNAL_KEY_PREFIX, and it is not rate limited (the operator's own work).
INTERNAL_ENVIRON = "scorm_api.internal_principal"
INTERNAL_KEY_PREFIX = "internal:"


@dataclass(frozen=True)
class Principal:
    key_id: str
    tenant_id: str
    scopes: frozenset[str]
    is_system: bool  # an admin key of the system tenant may manage other tenants

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes

    @property
    def is_operator(self) -> bool:
        return self.is_system and "admin" in self.scopes

    @property
    def is_internal(self) -> bool:
        return self.key_id.startswith(INTERNAL_KEY_PREFIX)

    @property
    def is_dashboard(self) -> bool:
        """A signed-in dashboard's request, not an API key's (what a sync run says started it)."""
        return self.key_id.startswith(DASHBOARD_KEY_PREFIX)


# Each source, in the order the domains added them, reads the request and answers a Principal,
# None (not mine: ask the next), or raises (401: mine, and not valid).
PrincipalSource = Callable[[], "Principal | None"]
PRINCIPAL_SOURCES: Hook[PrincipalSource] = Hook("endpoint: who a request acts as")


def require_scope(principal: Principal, scope: str) -> None:
    if not principal.allows(scope):
        raise forbidden(
            f"This API key lacks the '{scope}' scope",
            {"required_scope": scope, "key_scopes": sorted(principal.scopes)},
        )


def require_own_tenant(principal: Principal, tenant_id: str | None) -> str:
    """A tenant id sent in a body must be the key's own: 403 otherwise, whether it exists or not."""
    if tenant_id is not None and tenant_id != principal.tenant_id:
        raise forbidden(
            "tenant_id does not match the API key's tenant",
            {"fieldErrors": {"tenant_id": ["Does not match the API key's tenant"]}},
        )
    return principal.tenant_id
