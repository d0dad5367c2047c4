"""Statement attachments (multipart/mixed in and out) and signed statements (JWS) at /xapi/."""

import base64
import datetime
import hashlib
import json
import uuid

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from scorm_api.tenants.services import create_tenant
from scorm_api.xapi import credentials
from scorm_api.xapi.models import Attachment, Statement
from scorm_api.xapi.multipart import Part, parse, render

from tests.support import assert_envelope, basic, statement

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
EVERY_BYTE = bytes(range(256)) + b"\r\n--edge\r\n--" + bytes(range(255, -1, -1))


def attachment(content: bytes, content_type="application/octet-stream", **extra) -> dict:
    return {
        "usageType": "http://example.org/attachment-usage/certificate",
        "display": {"en-US": "A file"},
        "contentType": content_type,
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
        **extra,
    }


def multipart_body(document, parts: list[tuple[bytes, dict]], boundary="b0undary-x") -> tuple[bytes, str]:
    """A request body as xAPI clients build it; each part's headers are given explicitly."""
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(document).encode(),
    ]
    for content, headers in parts:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        chunks += [f"\r\n--{boundary}\r\n{head}\r\n".encode(), content]
    chunks.append(f"\r\n--{boundary}--".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"


def part_headers(content: bytes, content_type="application/octet-stream") -> dict:
    return {
        "Content-Type": content_type,
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": hashlib.sha256(content).hexdigest(),
    }


def post(client, headers, body_and_type):
    body, content_type = body_and_type
    return client.post("/xapi/statements", headers={**headers, "Content-Type": content_type}, data=body)


def test_multipart_round_trip_keeps_every_byte(client, lrs):
    st = statement(id=str(uuid.uuid4()), attachments=[attachment(EVERY_BYTE)])
    resp = post(client, lrs, multipart_body(st, [(EVERY_BYTE, part_headers(EVERY_BYTE))]))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json() == [st["id"]]

    plain = client.get(f"/xapi/statements?statementId={st['id']}", headers=lrs)
    assert (
        plain.mimetype == "application/json"
        and plain.get_json()["attachments"][0]["sha2"] == st["attachments"][0]["sha2"]
    )
    for url in (
        f"/xapi/statements?statementId={st['id']}&attachments=true",
        "/xapi/statements?attachments=true",
    ):
        resp = client.get(url, headers=lrs)
        assert resp.status_code == 200 and resp.mimetype == "multipart/mixed"
        document, parts = parse(resp.get_data(), resp.headers["Content-Type"])
        assert parts == [Part("application/octet-stream", st["attachments"][0]["sha2"], EVERY_BYTE)]
        got = json.loads(document)
        assert (got.get("id") or got["statements"][0]["id"]) == st["id"]


def test_attachments_true_without_attachments_is_still_multipart(client, lrs):
    client.post("/xapi/statements", headers=lrs, json=statement())
    resp = client.get("/xapi/statements?attachments=true", headers=lrs)
    document, parts = parse(resp.get_data(), resp.headers["Content-Type"])
    assert parts == [] and len(json.loads(document)["statements"]) == 1


def test_a_file_url_attachment_needs_no_part(client, lrs):
    linked = statement(attachments=[attachment(b"x", fileUrl="http://example.org/cert.pdf")])
    assert client.post("/xapi/statements", headers=lrs, json=linked).status_code == 200
    assert post(client, lrs, multipart_body(linked, [])).status_code == 200


@pytest.mark.parametrize(
    "case",
    [
        "json without fileUrl",
        "missing part",
        "excess part",
        "wrong hash",
        "no transfer encoding",
        "base64 encoding",
        "no hash header",
        "first part not json",
        "no boundary in body",
        "no boundary param",
        "form-data",
        "statements split over parts",
    ],
)
def test_malformed_attachment_requests_are_400_and_store_nothing(client, lrs, case):
    data = b"certificate bytes"
    st = statement(attachments=[attachment(data)])
    good = [(data, part_headers(data))]
    other = b"not mentioned"
    cases = {
        "json without fileUrl": lambda: (json.dumps(st).encode(), "application/json"),
        "missing part": lambda: multipart_body(st, []),
        "excess part": lambda: multipart_body(st, good + [(other, part_headers(other))]),
        "wrong hash": lambda: multipart_body(
            st, [(data, {**part_headers(data), "X-Experience-API-Hash": "ab" * 32})]
        ),
        "no transfer encoding": lambda: multipart_body(
            st, [(data, {k: v for k, v in part_headers(data).items() if k != "Content-Transfer-Encoding"})]
        ),
        "base64 encoding": lambda: multipart_body(
            st, [(base64.b64encode(data), {**part_headers(data), "Content-Transfer-Encoding": "base64"})]
        ),
        "no hash header": lambda: multipart_body(
            st, [(data, {k: v for k, v in part_headers(data).items() if k != "X-Experience-API-Hash"})]
        ),
        "first part not json": lambda: (
            multipart_body(st, good)[0].replace(b"application/json", b"text/plain", 1),
            "multipart/mixed; boundary=b0undary-x",
        ),
        "no boundary in body": lambda: (json.dumps(st).encode(), "multipart/mixed; boundary=b0undary-x"),
        "no boundary param": lambda: (multipart_body(st, good)[0], "multipart/mixed"),
        "form-data": lambda: (multipart_body(st, good)[0], "multipart/form-data; boundary=b0undary-x"),
        "statements split over parts": lambda: multipart_body(
            [st], [(json.dumps(statement()).encode(), {"Content-Type": "application/json"})] + good
        ),
    }
    assert_envelope(post(client, lrs, cases[case]()), 400, "BAD_REQUEST")
    assert Statement.select().count() == 0 and Attachment.select().count() == 0


def test_a_batch_with_attachments_is_all_or_nothing(client, lrs):
    data = b"payload"
    batch = [statement(attachments=[attachment(data)]), statement(verb={"id": "not an iri"})]
    assert_envelope(
        post(client, lrs, multipart_body(batch, [(data, part_headers(data))])), 400, "BAD_REQUEST"
    )
    assert Statement.select().count() == 0 and Attachment.select().count() == 0


def test_oversize_multipart_is_413(make_settings):
    from scorm_api.factory import create_app
    from scorm_api.tenants.services import system_tenant

    app = create_app(make_settings(max_xapi_attachments_bytes=64 * 1024))
    row, password = credentials.create(system_tenant().id)
    headers = {**basic(row.username, password), "X-Experience-API-Version": "2.0.0"}
    big = b"\0" * (100 * 1024)
    resp = post(
        app.test_client(),
        headers,
        multipart_body(statement(attachments=[attachment(big)]), [(big, part_headers(big))]),
    )
    assert_envelope(resp, 413, "PAYLOAD_TOO_LARGE")
    assert Statement.select().count() == 0


def test_attachments_are_per_tenant(client, lrs):
    data = b"tenant A's file"
    a = statement(attachments=[attachment(data)])
    assert post(client, lrs, multipart_body(a, [(data, part_headers(data))])).status_code == 200
    other = create_tenant("B")
    row, password = credentials.create(other.id)
    b_headers = {**basic(row.username, password), "X-Experience-API-Version": "2.0.0"}
    # Knowing the hash is not enough to cite A's bytes: B must send them.
    assert_envelope(
        client.post("/xapi/statements", headers=b_headers, json=statement(attachments=[attachment(data)])),
        400,
        "BAD_REQUEST",
    )
    _, parts = parse(
        *(lambda r: (r.get_data(), r.headers["Content-Type"]))(
            client.get("/xapi/statements?attachments=true", headers=b_headers)
        )
    )
    assert parts == []


def test_render_and_parse_agree():
    parts = [
        Part("image/png", hashlib.sha256(b"a").hexdigest(), b"a"),
        Part("text/plain", hashlib.sha256(b"").hexdigest(), b""),
    ]
    body, content_type = render(b'{"x":1}', parts)
    assert parse(body, content_type) == (b'{"x":1}', parts)


# ---- signed statements -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signer():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test signer")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return key, x5c


def signed(st: dict, token: str, content_type="application/octet-stream") -> tuple[bytes, str]:
    sig = token.encode()
    st = {**st, "attachments": [{**attachment(sig, content_type), "usageType": SIGNATURE}]}
    return multipart_body(st, [(sig, part_headers(sig, content_type))])


def sign(payload: dict, key, alg="RS256", headers=None) -> str:
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_signed_statements_are_accepted_and_kept(client, lrs, signer, alg):
    key, x5c = signer
    st = statement(id=str(uuid.uuid4()), result={"duration": "PT1M2.345S"})
    # The payload may carry more precision in durations, other timestamp offsets, other case.
    payload = {**st, "id": st["id"].upper(), "result": {"duration": "PT1M2.349S"}}
    resp = post(client, lrs, signed(st, sign(payload, key, alg, {"x5c": [x5c]})))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    got = client.get(f"/xapi/statements?statementId={st['id']}&attachments=true", headers=lrs)
    _, parts = parse(got.get_data(), got.headers["Content-Type"])
    assert jwt.decode(parts[0].content, key.public_key(), algorithms=[alg])["id"] == st["id"].upper()


@pytest.mark.parametrize(
    "case",
    [
        "other statement",
        "not a jws",
        "hs256",
        "wrong certificate",
        "text/plain",
        "payload not json",
        "no part",
    ],
)
def test_malformed_signatures_are_400(client, lrs, signer, case):
    key, x5c = signer
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    st = statement(id=str(uuid.uuid4()))
    good = sign(st, key, headers={"x5c": [x5c]})
    cases = {
        "other statement": lambda: signed(st, sign({**st, "verb": {"id": "http://example.org/other"}}, key)),
        "not a jws": lambda: signed(st, "not.a-jws"),
        "hs256": lambda: signed(st, jwt.encode(st, "secret-secret-secret-secret-32b!", algorithm="HS256")),
        "wrong certificate": lambda: signed(st, sign(st, other_key, headers={"x5c": [x5c]})),
        "text/plain": lambda: signed(st, good, content_type="text/plain"),
        "payload not json": lambda: signed(
            st,
            ".".join(
                [
                    good.split(".")[0],
                    base64.urlsafe_b64encode(b"{'id':").decode().rstrip("="),
                    good.split(".")[2],
                ]
            ),
        ),
        "no part": lambda: (
            json.dumps(
                {
                    **st,
                    "attachments": [
                        {
                            **attachment(good.encode()),
                            "usageType": SIGNATURE,
                            "fileUrl": "http://example.org/sig",
                        }
                    ],
                }
            ).encode(),
            "application/json",
        ),
    }
    assert_envelope(post(client, lrs, cases[case]()), 400, "BAD_REQUEST")
    assert Statement.select().count() == 0
