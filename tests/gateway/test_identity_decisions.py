"""Tests for gateway/routers/identity.py and its policy, caps and revocation, as an attacker holding one kiosk key.

The live encodings are made from the other photos of the demo persons (../shared/data/faces), with the gateway's own
encoder: the registry portrait of obama is obama_1.jpg, so obama_2 and obama_3 stand for two live frames of him.
"""
from __future__ import annotations

import base64
import itertools

import numpy as np
import pytest
from sqlalchemy import select

from gateway import face_match
from gateway.audit_chain import verify_chain
from gateway.dashboard.models import FleetAlert
from gateway.identity_models import ReferenceEncoding
from gateway.identity_policy import set_policy
from gateway.models import AuditEntry
from gateway.seed import register_kiosk
from tests.gateway.conftest import OBAMA
from tests.gateway.test_api_core import assert_error

BIDEN = "310115194211202341"
NOBODY = "110105199001011232"  # well formed, check character right, nobody in the registry
LIVE = {"passed": True, "blink": True, "turn": True}

_cache: dict[str, np.ndarray] = {}


@pytest.fixture(scope="module")
def encoding(faces_dir):
    def get(name: str) -> list[float]:
        if name not in _cache:
            _cache[name] = face_match.encode_image((faces_dir / name).read_bytes())
        return [float(v) for v in _cache[name]]
    return get


@pytest.fixture
def obama_live(encoding):
    return [encoding("obama_2.jpg"), encoding("obama_3.jpg")]


@pytest.fixture
def biden_live(encoding):
    return [encoding("biden_2.jpg"), encoding("biden_1.jpg")]


# Two photos of each demo person that stand for two live frames (one is the registry portrait itself where the
# person has no other photo: jitter() then makes the frames differ, as two real frames always do).
LIVE_PHOTOS = {OBAMA: ("obama_2.jpg", "obama_3.jpg"), BIDEN: ("biden_2.jpg", "biden_2.jpg"),
               "440305198001163458": ("lin_manuel_miranda_1.png", "lin_manuel_miranda_1.png"),
               "982611198702095671": ("rose_leslie_2.jpg", "rose_leslie_2.jpg")}
_visits = itertools.count(1000)


def face_token(client, headers, id_number, seed=None) -> str:
    """A face-verified applicant's token, the only way there is: live evidence decided by the gateway."""
    from tests.conftest import FACES_DIR
    live = []
    for name in LIVE_PHOTOS[id_number]:
        if name not in _cache:
            _cache[name] = face_match.encode_image((FACES_DIR / name).read_bytes())
        live.append([float(v) for v in _cache[name]])
    seed = next(_visits) if seed is None else seed  # every visit sends new frames: never a replay
    response = client.post("/v1/identity-verifications", headers=headers, json=evidence(id_number,
                                                                                       jitter(live, seed)))
    assert response.status_code == 201, response.text
    return response.json()["token"]


def evidence(id_number, live, **extra):
    return {"id_number": id_number, "method": "face", "live_encodings": live, "liveness": LIVE, **extra}


def jitter(live, seed):
    """The same face, another pair of frames: what a second visit sends (never the same bytes twice)."""
    rng = np.random.default_rng(seed)
    return [[v + float(d) for v, d in zip(e, rng.normal(0, 0.002, 128))] for e in live]


def test_the_gateway_matches_and_mints_a_token_that_opens_the_cases(client, hall, db, obama_live):
    response = client.post("/v1/identity-verifications", headers=hall, json=evidence(OBAMA, obama_live))
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    cases = client.get("/v1/cases", headers={**hall, "X-Applicant-Token": token})
    assert cases.status_code == 200 and cases.json()["cases"]
    decision, = db.execute(select(AuditEntry).where(AuditEntry.action == "identity_decision")).scalars()
    assert decision.detail["matched"] is True and decision.detail["threshold"] == 0.58
    assert 0 < decision.detail["distance"] <= 0.58 and decision.subject == "1101**********1235"
    assert verify_chain(db).ok
    db.rollback()


def test_the_reference_is_computed_once_and_kept_only_encrypted(client, hall, db, obama_live, encoding):
    client.post("/v1/identity-verifications", headers=hall, json=evidence(OBAMA, obama_live))
    client.post("/v1/identity-verifications", headers=hall, json=evidence(OBAMA, jitter(obama_live, 1)))
    row, = db.execute(select(ReferenceEncoding)).scalars()
    portrait = np.asarray(encoding("obama_1.jpg"), dtype="<f4").tobytes()
    assert portrait[:16] not in row.sealed and OBAMA not in row.subject_key
    assert len(row.sealed) == 12 + 128 * 4 + 16  # nonce, ciphertext, tag: nothing else
    db.rollback()


def test_enumeration_gives_no_oracle(client, hall, obama_live, biden_live):
    # A stranger's ID number, a real person with someone else's face, and the portrait route: all look alike.
    unknown = client.post("/v1/identity-verifications", headers=hall, json=evidence(NOBODY, obama_live))
    wrong_face = client.post("/v1/identity-verifications", headers=hall, json=evidence(OBAMA, biden_live))
    assert unknown.status_code == wrong_face.status_code == 403
    assert unknown.json() == wrong_face.json() and unknown.json()["error"]["code"] == "not_verified"
    assert set(unknown.headers) == set(wrong_face.headers)
    for id_number in (OBAMA, NOBODY):
        gone = client.post("/v1/portraits/lookup", headers=hall, json={"id_number": id_number})
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("forge", ["random", "zeros_nudged", "other_person_nudged"])
def test_forged_encodings_far_from_the_portrait_get_no_token(client, hall, biden_live, forge):
    rng = np.random.default_rng(7)
    if forge == "random":
        live = [list(rng.uniform(-0.2, 0.2, 128)), list(rng.uniform(-0.2, 0.2, 128))]
    elif forge == "zeros_nudged":
        live = [[0.0] * 128, [0.0] * 127 + [0.001]]
    else:
        live = jitter(biden_live, 3)
    response = client.post("/v1/identity-verifications", headers=hall, json=evidence(OBAMA, live))
    assert_error(response, 403, "not_verified")


@pytest.mark.parametrize("live, code", [
    ([[0.1] * 128, [0.1] * 128], "invalid_encoding"),        # one frame copied twice
    ([[0.1] * 128, [5.0] * 128], "invalid_request"),         # out of a descriptor's range
    ([[0.1] * 127, [0.2] * 128], "invalid_request"),         # not 128 numbers
    ([[0.1] * 128], "invalid_request"),                      # one frame only
])
def test_malformed_evidence_is_refused_with_its_reason(client, hall, live, code):
    assert_error(client.post("/v1/identity-verifications", headers=hall, json=evidence(OBAMA, live)), 422, code)


def test_a_replayed_request_gets_no_second_token(client, hall, obama_live):
    first = client.post("/v1/identity-verifications", headers=hall, json=evidence(OBAMA, obama_live))
    assert first.status_code == 201
    again = client.post("/v1/identity-verifications", headers=hall, json=evidence(OBAMA, obama_live))
    assert_error(again, 409, "evidence_replayed")
    # Nor with another ID number: the evidence itself has been used.
    assert_error(client.post("/v1/identity-verifications", headers=hall, json=evidence(BIDEN, obama_live)),
                 409, "evidence_replayed")


def test_liveness_must_have_passed(client, hall, obama_live):
    body = evidence(OBAMA, obama_live, liveness={"passed": False, "blink": True, "turn": False})
    assert_error(client.post("/v1/identity-verifications", headers=hall, json=body), 403, "liveness_required")
    body = evidence(OBAMA, obama_live, liveness={"passed": True})
    assert_error(client.post("/v1/identity-verifications", headers=hall, json=body), 403, "liveness_required")


def card_photo(faces_dir, name: str) -> str:
    """What a vendor WLT decoder gives: the face at the card's 102x126, here as a JPEG, base64 for the request."""
    import cv2
    image = cv2.imread(str(faces_dir / name), cv2.IMREAD_COLOR)
    h, w = image.shape[:2]
    side = min(w, int(h * 102 / 126))
    x = (w - side) // 2
    crop = image[:, x:x + side]
    ok, jpeg = cv2.imencode(".jpg", cv2.resize(crop, (102, 126), interpolation=cv2.INTER_AREA))
    assert ok
    return base64.b64encode(jpeg.tobytes()).decode()


def card_photo_use(db):
    used = [e.detail["card_photo"] for e in db.execute(select(AuditEntry).where(
        AuditEntry.action == "identity_decision").order_by(AuditEntry.seq)).scalars()]
    db.rollback()
    return used


def test_the_card_photo_is_a_second_reference_never_a_substitute(client, hall, db, faces_dir, obama_live):
    own, other = card_photo(faces_dir, "obama_240p.jpg"), card_photo(faces_dir, "biden_2.jpg")
    matched = client.post("/v1/identity-verifications", headers=hall,
                          json=evidence(OBAMA, obama_live, card={"card_type": "resident", "photo": own}))
    assert matched.status_code == 201, matched.text
    assert card_photo_use(db) == ["compared"]
    refused = client.post("/v1/identity-verifications", headers=hall,
                          json=evidence(OBAMA, jitter(obama_live, 2), card={"photo": other}))
    assert_error(refused, 403, "not_verified")
    # A photo of the attacker's own face on a forged card does not stand in for a registry portrait.
    assert_error(client.post("/v1/identity-verifications", headers=hall,
                             json=evidence(NOBODY, jitter(obama_live, 4), card={"photo": own})), 403, "not_verified")


def test_a_revoked_token_is_refused(client, hall, credentials, token_for):
    token = token_for()
    other = {"Authorization": f"Bearer {credentials['demo-bank-01']}", "X-Applicant-Token": token}
    assert client.delete("/v1/applicant-tokens/current", headers=other).status_code == 204
    mine = {**hall, "X-Applicant-Token": token}
    assert client.get("/v1/cases", headers=mine).status_code == 200  # another kiosk cannot revoke it
    assert client.delete("/v1/applicant-tokens/current", headers=mine).status_code == 204
    assert_error(client.get("/v1/cases", headers=mine), 401, "token_invalid")
    assert client.delete("/v1/applicant-tokens/current", headers=mine).status_code == 204  # idempotent


def test_methods_follow_the_kiosk_policy(client, hall, db, obama_live):
    key = register_kiosk(db, "hall-02", "hall")
    db.commit()
    real = {"Authorization": f"Bearer {key}"}
    for method in ("card_only", "card_only_demo", "face"):  # face is never minted on the kiosk's word
        response = client.post("/v1/applicant-tokens", headers=real, json={"id_number": OBAMA, "method": method})
        assert_error(response, 403, "method_not_allowed")
    assert_error(client.post("/v1/applicant-tokens", headers=real, json={"id_number": OBAMA, "method": "retina"}),
                 422, "unknown_method")
    assert_error(client.post("/v1/identity-verifications", headers=real,
                             json={**evidence(OBAMA, obama_live), "method": "retina"}), 422, "unknown_method")
    set_policy(db, "hall-02", ["face", "card_only", "staff_assisted"], card_only_services=["case_status"])
    db.commit()
    allowed = client.post("/v1/applicant-tokens", headers=real,
                          json={"id_number": OBAMA, "method": "card_only", "service": "case_status"})
    assert allowed.status_code == 201, allowed.text
    assert_error(client.post("/v1/applicant-tokens", headers=real,
                             json={"id_number": OBAMA, "method": "card_only", "service": "payment"}),
                 403, "method_not_allowed")
    assert_error(client.post("/v1/applicant-tokens", headers=real,
                             json={"id_number": OBAMA, "method": "staff_assisted"}), 403, "method_not_available")
    set_policy(db, "hall-02", ["card_only"], card_only_services=["case_status"])
    db.commit()
    assert_error(client.post("/v1/identity-verifications", headers=real, json=evidence(OBAMA, obama_live)),
                 403, "method_not_allowed")


def open_identity_alerts(db, kiosk_id):
    db.expire_all()
    alerts = db.execute(select(FleetAlert.subject).where(FleetAlert.kiosk_id == kiosk_id,
                                                         FleetAlert.kind == "identity_cap",
                                                         FleetAlert.cleared_at.is_(None))).scalars().all()
    db.rollback()
    return alerts


def test_distinct_id_numbers_over_the_cap_hold_the_kiosk(client, hall, db):
    set_policy(db, "demo-hall-01", ["card_only_demo"], max_ids_per_hour=2)
    db.commit()
    for id_number in (OBAMA, BIDEN, OBAMA):  # the same person again is not a new ID number
        response = client.post("/v1/applicant-tokens", headers=hall,
                               json={"id_number": id_number, "method": "card_only_demo"})
        assert response.status_code == 201, response.text
    third = client.post("/v1/applicant-tokens", headers=hall,
                        json={"id_number": "440305198001163458", "method": "card_only_demo"})
    assert_error(third, 403, "identity_hold")
    assert open_identity_alerts(db, "demo-hall-01") == ["distinct_ids"]


def test_no_log_line_holds_the_id_number_or_an_encoding(client, hall, obama_live, caplog):
    import logging
    caplog.set_level(logging.DEBUG)
    client.post("/v1/identity-verifications", headers=hall, json=evidence(OBAMA, obama_live))
    client.post("/v1/identity-verifications", headers=hall, json=evidence(NOBODY, jitter(obama_live, 8)))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert OBAMA not in text and NOBODY not in text and f"{obama_live[0][0]:.6f}"[:8] not in text
