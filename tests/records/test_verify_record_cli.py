"""`scorm-api verify-record FILE`: the operator's check of a record, on the data dir."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scorm_api.cli import main

from tests.support import bearer

pytestmark = pytest.mark.usefixtures("classroom")


def verify(settings, path) -> tuple[int, str]:
    argv = ["verify-record", str(path), "--data-dir", str(settings.data_dir)]
    out = CliRunner().invoke(main, argv, catch_exceptions=False)
    return out.exit_code, out.stdout


def test_verify_record_says_valid_altered_or_unknown(client, admin_key, settings, tmp_path):
    issued = client.post(
        "/api/v1/records/transcript.pdf", headers=bearer(admin_key), json={"learner_id": "ana"}
    )
    code = issued.headers["X-Record-Code"]
    good = tmp_path / "transcript.pdf"
    good.write_bytes(issued.data)
    status, text = verify(settings, good)
    assert status == 0 and text.startswith("VALID") and code in text and "0:24:45" in text

    # An edited copy: the text of a figure changed where it stands (uncompressed here).
    edited = tmp_path / "edited.pdf"
    edited.write_bytes(issued.data.replace(b"Training transcript", b"Training transcripT"))
    status, text = verify(settings, edited)
    assert status == 1 and text.startswith("ALTERED") and code in text

    stranger = tmp_path / "stranger.pdf"
    stranger.write_bytes(b"%PDF-1.4\n% another issuer's record\n")
    status, text = verify(settings, stranger)
    assert status == 1 and text.startswith("UNKNOWN")

    argv = ["verify-record", str(good), "--json", "--data-dir", str(settings.data_dir)]
    found = json.loads(CliRunner().invoke(main, argv, catch_exceptions=False).stdout)
    assert found["verdict"] == "valid" and found["record"]["learner_id"] == "ana"
