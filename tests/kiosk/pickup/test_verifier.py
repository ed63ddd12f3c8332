"""Offline verification of scanned and typed codes, the lockout after five failures, and the audit of every try."""
import json

import pytest

from kiosk.pickup.verifier import AttemptGuard, PickupVerifier

from tests.kiosk.pickup.conftest import ID_NUMBER, LOCKER, NOW, Issuer, deposited


@pytest.fixture
def audit():
    return []


@pytest.fixture
def verifier(keys, ledger, clock, audit):
    return PickupVerifier(keys, ledger, LOCKER, compartments={"0-01", "0-03", "1-02"}, audit=audit.append,
                          guard=AttemptGuard(5, 300, clock=clock), clock=clock)


def test_good_code_is_accepted_and_audited(verifier, issuer, ledger, audit):
    check = verifier.verify_qr(deposited(ledger, issuer, cid="c-1", cp="0-03"))
    assert check.ok and check.reason == "accepted"
    assert check.code.compartment == "0-03" and check.code.issued_to(ID_NUMBER)
    assert [(a.method, a.outcome, a.code_id, a.compartment) for a in audit] == [("qr", "accepted", "c-1", "0-03")]


def test_each_refusal_has_its_own_key(verifier, issuer, ledger, clock):
    other = Issuer("k1")  # same key id, different key: a forgery
    ledger.revoke("c-rev", "case withdrawn")
    ledger.begin("pickup", "0-03", "held", code_id="c-held")
    ledger.record_pickup(ledger.begin("pickup", "0-03", "opened", code_id="c-used"))
    cases = {
        "code_malformed": "hello",
        "code_bad_signature": other.code(),
        "code_unknown_key": Issuer("k-unknown").code(),
        "code_wrong_locker": issuer.code(lk="another-locker"),
        "code_expired": issuer.code(exp=NOW),
        "code_revoked": issuer.code(cid="c-rev"),
        "code_used": issuer.code(cid="c-used"),
        "code_held": issuer.code(cid="c-held"),
        "code_unknown_compartment": issuer.code(cp="9-99"),
        "code_no_deposit": issuer.code(cid="c-nothing-here", cp="0-01"),  # genuine, but no deposit behind it
    }
    for reason, text in cases.items():
        check = verifier.verify_qr(text)
        assert (check.ok, check.reason) == (False, reason)
        verifier.guard.succeeded()  # keep the lockout out of this table


def test_tampered_payload_fails_the_signature(verifier, issuer):
    good = issuer.code(cp="0-01")
    _, payload, sig = good.split(".")
    from tests.kiosk.pickup.conftest import b64url
    import base64
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["cp"] = "0-03"  # try to point a genuine code at another door
    forged = f"PK1.{b64url(json.dumps(data, separators=(',', ':'), sort_keys=True).encode())}.{sig}"
    assert verifier.verify_qr(forged).reason == "code_bad_signature"


def test_five_failures_lock_entry_then_it_reopens(verifier, issuer, ledger, clock, audit):
    good = deposited(ledger, issuer)
    for _ in range(4):
        assert verifier.verify_qr("junk").reason == "code_malformed"
    last = verifier.verify_qr("junk")
    assert last.reason == "code_malformed" and last.locked_for_s == pytest.approx(300)
    locked = verifier.verify_qr(good)  # even a good code waits
    assert (locked.ok, locked.reason) == (False, "code_entry_locked")
    assert verifier.verify_digits("12345678").reason == "code_entry_locked"
    clock.now += 299
    assert verifier.verify_qr(good).reason == "code_entry_locked"
    clock.now += 2
    assert verifier.verify_qr(good).ok
    assert [a.outcome for a in audit].count("code_entry_locked") == 3
    assert len(audit) == 9


def test_only_a_verified_identity_resets_the_count(verifier, issuer, ledger):
    code = verifier.verify_qr(deposited(ledger, issuer)).code
    for _ in range(4):
        verifier.verify_qr("junk")
    verifier.record_identity(code, True)
    for _ in range(4):
        assert verifier.verify_qr("junk").locked_for_s == 0


def test_wrong_digits_between_valid_scans_still_lock(verifier, issuer, ledger):
    """The attack: four wrong guesses, then one valid scan of a code the attacker holds (never followed by the
    holder's card and face), over and over. The valid scan does not reset the count: the fifth wrong guess locks."""
    valid = deposited(ledger, issuer, cid="c-mine", cp="0-01", digits="99990000")
    guesses = 0
    for _ in range(25):
        for _ in range(4):
            if verifier.verify_digits(f"{guesses:08d}").reason == "code_entry_locked":
                break
            guesses += 1
        else:
            verifier.verify_qr(valid)
            continue
        break
    assert guesses < 10
    assert verifier.verify_digits("00000001").reason == "code_entry_locked"


def test_person_mismatch_counts_as_a_failure(verifier, issuer, ledger, audit):
    good = deposited(ledger, issuer)
    code = verifier.verify_qr(good).code
    for _ in range(5):
        verifier.record_identity(code, False)
    assert verifier.verify_qr(good).reason == "code_entry_locked"
    assert audit[1].outcome == "person_mismatch" and audit[1].method == "identity"


def _deposit(ledger, issuer, cid, cp, digits, **fields):
    ledger.ensure_compartments([(cp, "medium")])
    ledger.add_deposit(cid, cp, Issuer.digits_sha256(cid, digits), NOW + 3600, issuer.code(cid=cid, cp=cp, **fields))


def test_typed_digits(verifier, ledger, issuer):
    _deposit(ledger, issuer, "c-1", "0-01", "11112222")
    _deposit(ledger, issuer, "c-2", "1-02", "33334444")
    check = verifier.verify_digits("33334444")
    assert check.ok and check.code.code_id == "c-2" and check.code.compartment == "1-02"
    assert verifier.verify_digits("33334445").reason == "digits_wrong"
    for bad in ("", "1234567", "123456789", "abcdefgh", "1234 678", None):
        assert verifier.verify_digits(bad).reason == "digits_malformed"
        verifier.guard.succeeded()


def test_typed_digits_of_an_expired_code(verifier, ledger, issuer, clock):
    _deposit(ledger, issuer, "c-1", "0-01", "11112222", exp=NOW + 10)
    clock.now += 11
    assert verifier.verify_digits("11112222").reason == "code_expired"


def test_audit_never_holds_personal_data(verifier, issuer, audit):
    verifier.verify_qr(issuer.code())
    verifier.verify_qr(issuer.code(lk="x"))
    text = repr(audit)
    assert ID_NUMBER not in text
    assert json.loads(issuer.payload())["sub"] not in text


def test_audit_sink_failure_does_not_change_the_answer(keys, ledger, clock, issuer):
    def broken(_):
        raise RuntimeError("disk full")
    verifier = PickupVerifier(keys, ledger, LOCKER, audit=broken, clock=clock)
    assert verifier.verify_qr(deposited(ledger, issuer)).ok


def test_offline_verification_uses_cached_keys(issuer, ledger, clock, tmp_path):
    from kiosk.pickup.keys import PickupKeyRing
    cache = tmp_path / "keys.json"
    PickupKeyRing(lambda: [issuer.public_entry], cache).refresh()

    def offline():
        raise OSError("no network")
    verifier = PickupVerifier(PickupKeyRing(offline, cache), ledger, LOCKER, clock=clock)
    assert verifier.verify_qr(deposited(ledger, issuer)).ok


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


# The fixtures hold no per-example state the examples could leak into each other (the guard is made per example).
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200), st.text(max_size=12))
def test_any_scan_or_typing_gets_an_answer_never_an_exception(keys, ledger, clock, text, digits):
    verifier = PickupVerifier(keys, ledger, LOCKER, guard=AttemptGuard(10**6, 1, clock=clock), clock=clock)
    for check in (verifier.verify_qr(text), verifier.verify_digits(digits), verifier.verify_qr("PK1." + text)):
        assert not check.ok and check.reason
