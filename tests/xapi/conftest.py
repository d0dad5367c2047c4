import pytest

from scorm_api.tenants.services import system_tenant
from scorm_api.xapi import credentials

from tests.support import V2, basic


@pytest.fixture
def lrs(app):
    """Headers of an xAPI 2.0 client with read/write LRS credentials of the system tenant."""
    row, password = credentials.create(system_tenant().id)
    return {**basic(row.username, password), **V2}
