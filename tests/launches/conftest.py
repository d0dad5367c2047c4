import pytest

from scorm_api.tenants.services import system_tenant
from scorm_api.xapi import credentials

from tests.support import basic


@pytest.fixture
def lrs(app):
    """Headers of an xAPI 1.0.3 client (as cmi5 tools are) with the system tenant's credentials."""
    row, password = credentials.create(system_tenant().id)
    return {**basic(row.username, password), "X-Experience-API-Version": "1.0.3"}
