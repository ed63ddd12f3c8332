"""The kiosk's platform client against a real gateway on loopback, and against servers that fail on purpose."""
from __future__ import annotations

import datetime as dt
import socket
import threading
import uuid

import pytest

from gateway.testing import LiveGateway, free_port
from kiosk.cases import Case, FeeSchedule, PaymentOrder
from kiosk.platform_client import PlatformClient, PlatformRejected, PlatformUnavailable

OBAMA = "110105196108041235"
KIT = "GBR110861226013"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    with LiveGateway(tmp_path_factory.mktemp("gateway")) as gw:
        yield gw


@pytest.fixture
def hall(gateway):
    client = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), timeout_s=5, kiosk_id="demo-hall-01")
    yield client
    client.close()


@pytest.fixture
def token(hall):
    return hall.issue_applicant_token(OBAMA, "card_only_demo", None)


def test_health_and_cases(hall, token):
    assert hall.health() == {"status": "ok"}
    cases = hall.list_cases(token)
    assert cases and all(isinstance(c, Case) for c in cases)
    statuses = {c.status for c in cases}
    assert "tax_assessed" in statuses and "certificate_ready" in statuses
    under_review = next(c for c in cases if c.status == "under_review" and c.kind == "mortgage")
    assert isinstance(under_review.received_on, dt.date) and isinstance(under_review.deadline, dt.date)
    assert under_review.timeline[0].status == "received" and under_review.timeline[0].at.tzinfo is not None
    assert hall.get_case(token, under_review.case_id) == under_review


def test_fees_and_an_idempotent_payment_order(hall, token):
    case = next(c for c in hall.list_cases(token) if c.status == "tax_assessed")
    fees = hall.fees(token, case.case_id)
    assert isinstance(fees, FeeSchedule) and fees.total_fen == sum(f.amount_fen for f in fees.items) > 0
    assert {f.code for f in fees.items} >= {"deed_tax", "registration_fee"}
    key = uuid.uuid4().hex
    order = hall.create_payment_order(token, case.case_id, key)
    again = hall.create_payment_order(token, case.case_id, key)
    assert isinstance(order, PaymentOrder) and order == again
    assert order.status == "pending" and order.amount_fen == fees.total_fen and order.pay_url
    assert hall.payment_status(token, order.order_id).status == "pending"


def test_rejections_carry_the_gateway_code(hall, token):
    with pytest.raises(PlatformRejected, match=r"The applicant token is not valid for this kiosk") as caught:
        hall.list_cases("not-a-token")
    assert caught.value.code == "token_invalid" and caught.value.message_key == "token_invalid"
    assert caught.value.status == 401
    with pytest.raises(PlatformRejected, match=r"The ID number is not well formed") as caught:
        hall.issue_applicant_token(OBAMA[:-1] + "0", "card_only_demo", None)
    assert caught.value.code == "invalid_id_number" and OBAMA[:-1] not in str(caught.value)
    with pytest.raises(PlatformRejected, match=r"No such case for this applicant") as caught:
        hall.fees(token, "BDC-NOPE")
    assert caught.value.code == "case_not_found"


def test_no_portrait_leaves_the_gateway_and_nobody_is_told_apart(hall):
    assert not hasattr(hall, "reference_portrait")
    forged = [[0.01] * 128, [0.02] * 128]
    answers = []
    for id_number in (OBAMA, "110105199001011232"):  # a person, and a valid number nobody holds
        with pytest.raises(PlatformRejected) as caught:
            hall.verify_identity(id_number, forged, {"passed": True, "turn": True}, {})
        answers.append((caught.value.code, caught.value.status, str(caught.value)))
        forged = [[v + 0.001 for v in e] for e in forged]  # new evidence, not a replay
    assert answers[0] == answers[1] and answers[0][:2] == ("not_verified", 403)


def test_a_revoked_token_is_refused(hall, token):
    hall.revoke_applicant_token(token)
    with pytest.raises(PlatformRejected) as caught:
        hall.list_cases(token)
    assert caught.value.code == "token_invalid"
    hall.revoke_applicant_token(token)  # idempotent: a retry after a lost answer is harmless


def test_proof_is_idempotent(hall, token):
    key = uuid.uuid4().hex
    proof = hall.request_proof(token, "property_record", key)
    assert hall.request_proof(token, "property_record", key) == proof
    assert proof["verification_code"] in proof["verify_url"] and proof["properties"]


def test_proof_with_purpose_and_one_property_comes_sealed(tmp_path):
    from gateway import seal_pki
    from gateway.settings import GatewaySettings

    pki = seal_pki.create_seal_pki(tmp_path / "seal", GatewaySettings.office_name, "http://127.0.0.1:9/seal/ca.crl")
    with LiveGateway(tmp_path / "db", settings=GatewaySettings(seal_dir=pki, alert_check_interval_s=0)) as gw:
        client = PlatformClient(gw.base_url, gw.api_key("demo-hall-01"), timeout_s=10, kiosk_id="demo-hall-01")
        token = client.issue_applicant_token(OBAMA, "card_only_demo", None)
        every = client.request_proof(token, "property_record", uuid.uuid4().hex, purpose="loan")
        unit = every["properties"][0]["unit_no"]
        one = client.request_proof(token, "property_record", uuid.uuid4().hex, purpose="loan", unit_numbers=[unit])
        assert every["purpose"] == one["purpose"] == "loan"
        assert len(every["properties"]) == 2 and [p["unit_no"] for p in one["properties"]] == [unit]
        pdf = client.proof_document(token, one["proof_id"], "en")
        client.close()
    from gateway.seal_check import SealTrust, Verdict, check_seal

    check = check_seal(pdf, SealTrust(pki))
    assert (check.verdict, check.ref) == (Verdict.VALID, one["verification_code"])


def test_heartbeat_events_and_keys(hall, gateway):
    assert hall.heartbeat({"devices": {"card_reader": "online"}, "stock": {}, "outbox_depth": 0,
                           "version": "0.1.0", "uptime_s": 1.0}) == []
    key = uuid.uuid4().hex
    when = dt.datetime.now(dt.timezone.utc)
    assert hall.post_event("receipt_printed", key, when, {"order_id": "PO1"}) == "accepted"
    assert hall.post_event("receipt_printed", key, when, {"order_id": "PO1"}) == "duplicate"
    with pytest.raises(PlatformRejected, match=r"^kind: String should match pattern") as caught:
        hall.post_event("Not A Kind", uuid.uuid4().hex, when, {})
    assert caught.value.status == 422
    keys = hall.pickup_keys()
    assert keys and set(keys[0]) == {"key_id", "ed25519_public_key_b64"}


def test_wrong_api_key_is_rejected(gateway):
    client = PlatformClient(gateway.base_url, "wrong-key", timeout_s=2)
    with pytest.raises(PlatformRejected, match=r"The API key does not belong to any kiosk") as caught:
        client.pickup_keys()
    assert caught.value.code == "unknown_kiosk"


# --- failure modes --------------------------------------------------------------------------------------------

def test_connection_refused_is_unavailable():
    client = PlatformClient(f"http://127.0.0.1:{free_port()}", "k", timeout_s=0.5, retries=1, backoff_s=0.01)
    with pytest.raises(PlatformUnavailable, match=r"^ConnectionError$") as caught:
        client.health()
    assert caught.value.message_key == "platform_unavailable"


@pytest.fixture
def silent_server():
    """Accepts connections and never answers: the client's timeout must fire."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    server.close()


def test_timeout_is_unavailable(silent_server):
    client = PlatformClient(silent_server, "k", timeout_s=0.3, retries=0)
    with pytest.raises(PlatformUnavailable, match=r"^ReadTimeout$"):
        client.list_cases("t")


def test_5xx_retries_idempotent_calls_only(failing_server):
    url, calls = failing_server
    client = PlatformClient(url, "k", timeout_s=2, retries=2, backoff_s=0.01)
    with pytest.raises(PlatformUnavailable, match=r"^HTTP 503$"):
        client.create_payment_order("t", "BDC1", "key-1")
    assert [c[2] for c in calls] == ["key-1"] * 3  # the same key on every retry
    calls.clear()
    with pytest.raises(PlatformUnavailable, match=r"^HTTP 503$"):
        client.issue_applicant_token(OBAMA, "card_only_demo", None)
    assert len(calls) == 1 and calls[0][2]  # minted once, still carries a key
    calls.clear()
    with pytest.raises(PlatformUnavailable, match=r"^HTTP 503$"):
        client.heartbeat({})
    assert len(calls) == 1


def test_payment_order_retry_after_a_lost_answer_gives_the_same_order(gateway, hall, token):
    """The kiosk retries with its key after a lost answer: one order, never two."""
    case = next(c for c in hall.list_cases(token) if c.status == "tax_assessed")
    key = uuid.uuid4().hex
    first = hall.create_payment_order(token, case.case_id, key)
    second = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01")).create_payment_order(
        token, case.case_id, key)
    assert first.order_id == second.order_id


# --- mutual TLS -----------------------------------------------------------------------------------------------

def _certificates(directory):
    """A throwaway CA, a server certificate for 127.0.0.1 and a kiosk's client certificate, as PEM files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)

    def key():
        return ec.generate_private_key(ec.SECP256R1())

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write(stem, cert, private):
        (directory / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (directory / f"{stem}.key").write_bytes(private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        return str(directory / f"{stem}.pem"), str(directory / f"{stem}.key")

    ca_key = key()
    ca = (x509.CertificateBuilder().subject_name(name("kiosk test CA")).issuer_name(name("kiosk test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(hours=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))

    def leaf(cn, san=None):
        private = key()
        builder = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca.subject)
                   .public_key(private.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(hours=1))
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                  critical=False))
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(ca_key, hashes.SHA256()), private

    ca_pem, _ = write("ca", ca, ca_key)
    server = write("server", *leaf("127.0.0.1", [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]))
    client = write("kiosk", *leaf("demo-hall-01"))
    return ca_pem, server, client


def test_mutual_tls(tmp_path):
    import ssl

    ca, (server_cert, server_key), client = _certificates(tmp_path)
    tls = {"ssl_certfile": server_cert, "ssl_keyfile": server_key, "ssl_ca_certs": ca,
           "ssl_cert_reqs": ssl.CERT_REQUIRED}
    (tmp_path / "db").mkdir()
    with LiveGateway(tmp_path / "db", tls=tls) as gw:
        key = gw.api_key("demo-hall-01")
        with_cert = PlatformClient(gw.base_url, key, timeout_s=5, client_cert=client, ca_cert=ca)
        assert with_cert.health() == {"status": "ok"}
        assert with_cert.pickup_keys()
        without_cert = PlatformClient(gw.base_url, key, timeout_s=5, ca_cert=ca, retries=0)
        with pytest.raises(PlatformUnavailable, match=r"^(ConnectionError|SSLError)$"):  # a reset or the TLS alert
            without_cert.health()
        untrusted = PlatformClient(gw.base_url, key, timeout_s=5, client_cert=client, retries=0)  # system CAs only
        with pytest.raises(PlatformUnavailable, match=r"^SSLError$"):
            untrusted.health()
        for client in (with_cert, without_cert, untrusted):
            client.close()
