"""The sessions tests' packages: SCORM 1.2 and 2004 courses (one multi-SCO, sequenced), uploaded
and processed."""

import pytest

from tests.support import fixture, upload_and_process


@pytest.fixture
def pkg12(client, admin_key):
    return upload_and_process(client, admin_key, fixture("golf_scorm12_runtime_basic.zip").read_bytes())[0]


@pytest.fixture
def pkg2004(client, admin_key):
    return upload_and_process(
        client, admin_key, fixture("golf_scorm2004_3ed_runtime_advanced.zip").read_bytes()
    )[0]


@pytest.fixture
def pkg_seq(client, admin_key):
    return upload_and_process(
        client, admin_key, fixture("golf_scorm2004_3ed_seq_forced_sequential.zip").read_bytes()
    )[0]
