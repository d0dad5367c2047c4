"""Multipart upload of a large package: parts PUT in any order, a failed part PUT again, the
missing ones asked for after losing one's place, joined byte for byte, then processed as any
upload; aborts, refusals and other tenants' ids."""

import pytest

from tests.support import assert_envelope, bearer, put_path, write_generated_package

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def big_zip(tmp_path_factory) -> bytes:
    path = write_generated_package(tmp_path_factory.mktemp("mp") / "big.zip", files=24, total_bytes=12 * MiB)
    return path.read_bytes()


def init(client, key, data, part_size=5 * MiB):
    resp = client.post(
        "/api/v1/packages/multipart/init",
        headers=bearer(key),
        json={"filename": "Big course.zip", "file_size": len(data), "part_size": part_size},
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def put_part(client, data, part, headers):
    n, size = part["part_number"], part["size"]
    start = (n - 1) * 5 * MiB
    return client.put(put_path(part["url"]), data=data[start : start + size], headers=headers)


def test_parts_in_any_order_resumed_joined_and_processed(client, admin_key, big_zip):
    up = init(client, admin_key, big_zip)
    assert up["part_count"] == 3 and [p["size"] for p in up["parts"]][:2] == [5 * MiB, 5 * MiB]
    assert sum(p["size"] for p in up["parts"]) == len(big_zip)
    headers = up["required_put_headers"]
    last, first, middle = up["parts"][2], up["parts"][0], up["parts"][1]
    assert put_part(client, big_zip, last, headers).status_code == 200
    assert put_part(client, big_zip, first, headers).status_code == 200
    # Losing one's place: the status names what is missing, with fresh URLs.
    status = client.get(f"/api/v1/packages/multipart/{up['upload_id']}", headers=bearer(admin_key)).get_json()
    assert status["parts_received"] == [1, 3]
    assert [p["part_number"] for p in status["missing_parts"]] == [2]
    early = client.post(f"/api/v1/packages/multipart/{up['upload_id']}/complete", headers=bearer(admin_key))
    assert assert_envelope(early, 409, "CONFLICT")["error"]["details"]["missing_parts"] == [2]
    assert put_part(client, big_zip, status["missing_parts"][0], headers).status_code == 200
    assert put_part(client, big_zip, middle, headers).status_code == 200  # a part again: harmless
    done = client.post(f"/api/v1/packages/multipart/{up['upload_id']}/complete", headers=bearer(admin_key))
    assert done.status_code == 200 and done.get_json()["status"] == "complete"
    again = client.post(f"/api/v1/packages/multipart/{up['upload_id']}/complete", headers=bearer(admin_key))
    assert again.status_code == 200  # a retried complete
    processed = client.post(
        "/api/v1/packages/process", headers=bearer(admin_key), json={"storage_path": up["storage_path"]}
    )
    assert processed.status_code in (201, 202), processed.get_json()
    pkg_id = processed.get_json()["id"]
    original = client.get(f"/api/v1/packages/{pkg_id}/download", headers=bearer(admin_key))
    assert original.status_code == 200 and original.get_data() == big_zip  # byte for byte


def test_a_part_of_the_wrong_size_is_refused(client, admin_key, big_zip):
    up = init(client, admin_key, big_zip)
    part = up["parts"][0]
    short = client.put(
        put_path(part["url"]), data=big_zip[: part["size"] - 1], headers=up["required_put_headers"]
    )
    assert short.status_code == 400
    status = client.get(f"/api/v1/packages/multipart/{up['upload_id']}", headers=bearer(admin_key)).get_json()
    assert status["parts_received"] == []


def test_abort_deletes_the_parts_and_closes_the_upload(client, admin_key, big_zip):
    up = init(client, admin_key, big_zip)
    headers = up["required_put_headers"]
    assert put_part(client, big_zip, up["parts"][0], headers).status_code == 200
    assert (
        client.delete(f"/api/v1/packages/multipart/{up['upload_id']}", headers=bearer(admin_key)).status_code
        == 200
    )
    assert_envelope(put_part(client, big_zip, up["parts"][1], headers), 409, "CONFLICT")
    assert_envelope(
        client.post(f"/api/v1/packages/multipart/{up['upload_id']}/complete", headers=bearer(admin_key)),
        409,
        "CONFLICT",
    )
    processed = client.post(
        "/api/v1/packages/process", headers=bearer(admin_key), json={"storage_path": up["storage_path"]}
    )
    assert processed.status_code == 409  # never complete: nothing to process


def test_other_tenants_and_bad_requests(client, admin_key, make_tenant, big_zip):
    up = init(client, admin_key, big_zip)
    other = make_tenant("Other")
    for resp in (
        client.get(f"/api/v1/packages/multipart/{up['upload_id']}", headers=other.headers()),
        client.post(f"/api/v1/packages/multipart/{up['upload_id']}/complete", headers=other.headers()),
        client.delete(f"/api/v1/packages/multipart/{up['upload_id']}", headers=other.headers()),
    ):
        assert_envelope(resp, 404, "NOT_FOUND")
    for body in (
        {"filename": "a.zip", "file_size": 10, "part_size": 1024},  # parts under 5 MiB
        {"filename": "a.zip", "file_size": 10 * 1024**4},  # over the package cap
        {"filename": "a.zip", "file_size": 0},
        {"file_size": 10},
    ):
        resp = client.post("/api/v1/packages/multipart/init", headers=bearer(admin_key), json=body)
        assert_envelope(resp, 400, "VALIDATION_ERROR")
