"""Certificate self-print end to end: the real kiosk app under Xvfb, the real gateway on loopback, the ID card
simulator and the certificate printer simulator (a tray of numbered blanks, a jam injected). A case with two
certificates (two co-owners): the first blank jams and is voided on the kiosk's ledger and on the gateway, the next
blank takes the certificate, its serial is written back, the collector signs on the pad; the second certificate
prints on the next blank; the case closes; the ledger reconciles with the gateway; unknown, used and voided serials
are refused by the gateway."""
from __future__ import annotations

import os
import time

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session as DbSession

from catalog import i18n
from gateway.certificate_models import CertificateBlank, CertificateCopy, CertificateShipment, CollectionEvidence
from gateway.adapters.courier import COURIER_URL_ENV
from gateway.certificates import issue_stock
from gateway.models import Case, CaseStep
from gateway.seed import demo_person
from kiosk.documents.ledger import BlankLedger
from kiosk_testkit.demo import DemoStack
from peripherals.printer.certificate_simulator import inject, stack_blanks
from tests.gateway import test_certificate_courier as courier_tests
from tests.screens.conftest import assert_fits, running, shot, texts
from tests.screens.test_pay import sign_in, step_shown
from tests.screens.test_signing import both_languages

pytestmark = [pytest.mark.ui, pytest.mark.slow]

courier = courier_tests.courier  # the simulated courier service on loopback (a module fixture)
SERIALS = [f"BJ{n:08d}" for n in range(20260001, 20260007)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, courier):
    os.environ[COURIER_URL_ENV] = courier.url  # the gateway process inherits it
    workdir = tmp_path_factory.mktemp("certprint")
    printed = workdir / "certificates"
    extra = {"devices": {"certificate_printer": {"enabled": True, "output_dir": str(printed),
                                                 "ledger_file": str(workdir / "ledger.sqlite3")}}}
    demo = DemoStack(workdir, config_extra=extra)
    demo.printed = printed
    demo.ledger_file = workdir / "ledger.sqlite3"
    try:
        yield from running(demo)
    finally:
        os.environ.pop(COURIER_URL_ENV, None)


def db_session(stack):
    return DbSession(create_engine(f"sqlite:///{stack.gateway.database}"))


def prepare(stack) -> str:
    """Two co-owners' certificates on obama's ready case; six blanks issued to the kiosk, stacked in the tray and
    loaded in the kiosk's ledger (what staff do at the maintenance stock page)."""
    holder = demo_person("obama")
    with db_session(stack) as db:
        case = db.execute(select(Case).where(Case.id_number == holder.id_number,
                                             Case.status == "certificate_ready")).scalars().one()
        db.add_all([CertificateCopy(copy_id=f"{case.case_id}-1", case_id=case.case_id,
                                    certificate_no=case.certificate_no, holder_name=holder.name, share="共同共有",
                                    status="ready"),
                    CertificateCopy(copy_id=f"{case.case_id}-2", case_id=case.case_id,
                                    certificate_no=case.certificate_no, holder_name="欧阳红", share="共同共有",
                                    status="ready")])
        issue_stock(db, stack.gateway.credentials("hall")["kiosk_id"], SERIALS)
        db.commit()
        case_id = case.case_id
    stack_blanks(stack.printed, SERIALS)
    with BlankLedger(stack.ledger_file) as ledger:
        ledger.load_stack(SERIALS[0], SERIALS[-1], "s-017")
    return case_id


def sign(client):
    """Four finger strokes on the pad: it fills the middle of the screen, between the prompt and the footer."""
    for x, y, x2, y2 in ((150, 1050, 300, 800), (300, 800, 420, 1010), (480, 950, 760, 930), (800, 1050, 900, 760)):
        client.call("swipe", x=x, y=y, x2=x2, y2=y2, frames=10)
        time.sleep(0.3)


def test_two_certificates_print_with_a_jam_and_the_case_closes(stack):
    client = stack.client
    client.wait_for_screen("attract", 60)
    case_id = prepare(stack)
    inject(stack.printed, jam=1)  # the first blank will jam
    sign_in(stack, "obama")
    client.tap(intent="service", arg="certificate_print")
    state = client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.choose"))
    previews = [b["arg"] for b in state["buttons"] if b["arg"].startswith("preview:")]
    assert previews == [f"preview:{case_id}-1", f"preview:{case_id}-2"]
    both_languages(client, "certificate_ready_list")

    # first certificate: preview, print; the first blank jams, the second takes it
    client.tap(intent="flow", arg=previews[0])
    state = client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.preview"))
    assert "欧阳明" in texts(state) and "共同共有" in texts(state)
    both_languages(client, "certificate_preview")
    client.tap(intent="flow", arg="print")
    state = client.wait_for_screen("certificate_print", 60,
                                   predicate=step_shown("cert.sign", serial=SERIALS[1]))
    assert i18n.text("cert.voided", "zh_CN", serial=SERIALS[0], reason=i18n.text("cert.reason.jam", "zh_CN")) \
        in texts(state)
    both_languages(client, "certificate_sign")
    client.tap(text=i18n.text("cert.submit", "zh_CN"))  # nothing drawn: refused with a hint
    client.wait_until(step_shown("cert.sign_first"), 10)
    sign(client)
    client.tap(text=i18n.text("cert.submit", "zh_CN"))
    state = client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.collected"))
    assert i18n.text("cert.case_closed", "zh_CN") not in texts(state)  # one certificate still to go

    # second certificate on the third blank
    client.tap(intent="flow", arg="next")
    state = client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.choose"))
    assert [b["arg"] for b in state["buttons"] if b["arg"].startswith("preview:")] == [previews[1]]
    client.tap(intent="flow", arg=previews[1])
    client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.preview"))
    client.tap(intent="flow", arg="print")
    client.wait_for_screen("certificate_print", 60, predicate=step_shown("cert.sign", serial=SERIALS[2]))
    sign(client)
    client.tap(text=i18n.text("cert.submit", "zh_CN"))
    state = client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.case_closed"))
    both_languages(client, "certificate_case_closed")
    client.tap(intent="flow", arg="finish")
    client.wait_for_screen("done", 30)
    stack.simulator.lift()

    # the gateway: serials written back, the jammed blank voided with its reason, evidence sealed, case closed
    with db_session(stack) as db:
        copies = {c.copy_id: c for c in db.execute(select(CertificateCopy).where(
            CertificateCopy.case_id == case_id)).scalars()}
        assert {k: (c.serial, c.status) for k, c in copies.items()} == {
            f"{case_id}-1": (SERIALS[1], "collected"), f"{case_id}-2": (SERIALS[2], "collected")}
        blanks = {b.serial: (b.state, b.reason) for b in db.execute(select(CertificateBlank)).scalars()}
        assert blanks[SERIALS[0]] == ("voided", "jam")
        assert blanks[SERIALS[1]] == ("printed", None) and blanks[SERIALS[2]] == ("printed", None)
        assert all(blanks[s] == ("issued", None) for s in SERIALS[3:])
        assert db.get(Case, case_id).status == "collected"
        assert "collected" in [s.status for s in db.execute(select(CaseStep).where(CaseStep.case_id == case_id))
                               .scalars()]
        evidence = db.execute(select(CollectionEvidence)).scalars().all()
        assert len(evidence) == 2 and all(not e.signature.startswith(b"\x89PNG") for e in evidence)  # sealed
    # the kiosk's ledger keeps every serial's fate and agrees with the gateway
    with BlankLedger(stack.ledger_file) as ledger:
        counts = ledger.counts()
        assert (counts.printed, counts.voided, counts.remaining) == (2, 1, 3) and counts.balanced
        assert ledger.entry(SERIALS[0]).reason == "jam"
        gateway_states = requests.get(f"{stack.gateway.url}/v1/certificate-blanks", timeout=30, headers={
            "Authorization": f"Bearer {stack.gateway.credentials('hall')['api_key']}"}).json()["blanks"]
        ours = {e.serial: e.state for e in ledger.entries()}
        assert {b["serial"]: b["state"] for b in gateway_states} == {
            s: {"remaining": "issued"}.get(state, state) for s, state in ours.items()}
    # the printer simulator saved two certificates, one per good blank
    assert sorted(p.name for p in stack.printed.glob("certificate-*.pdf")) == [
        f"certificate-{SERIALS[1]}.pdf", f"certificate-{SERIALS[2]}.pdf"]


def key_at(client, text: str) -> None:
    """A finger on the keyboard key (or candidate) showing this text."""
    state = client.state()
    found = [t for t in state["texts"] if t["text"] == text and t["height"] >= 60]
    assert found, f"no key {text!r} on screen"
    key = found[-1]
    client.call("tap_at", x=key["x"] + key["width"] / 2, y=key["y"] + key["height"] / 2)
    time.sleep(0.15)


def type_pinyin(client, letters: str, pick: str) -> None:
    for letter in letters:
        key_at(client, letter)
    client.wait_until(lambda s: any(t["text"] == pick for t in s["texts"]), 20, f"the candidate {pick}")
    key_at(client, pick)


def test_the_certificate_goes_by_courier_to_an_address_typed_in_pinyin(stack, courier):
    client = stack.client
    client.wait_for_screen("attract", 60)
    sign_in(stack, "biden")
    client.tap(intent="service", arg="certificate_print")
    state = client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.choose"))
    (preview,) = [b["arg"] for b in state["buttons"] if b["arg"].startswith("preview:")]
    copy_id = preview.split(":", 1)[1]
    client.tap(intent="flow", arg=preview)
    client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.preview"))
    client.tap(intent="flow", arg="other")
    state = client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.receive_prompt"))
    assert {b["arg"] for b in state["buttons"] if b["arg"].startswith("receive:")} == {
        "receive:window", "receive:locker", "receive:courier", "receive:e_certificate"}
    both_languages(client, "certificate_receive_options")
    client.tap(intent="flow", arg="receive:courier")
    client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.address_prompt"))
    client.tap(text=i18n.text("cert.address_confirm", "zh_CN"))  # nothing typed: refused, nothing sent
    client.wait_until(step_shown("address_invalid"), 20)
    assert courier.waybills == {} or all(w["reference"] != copy_id for w in courier.waybills.values())
    type_pinyin(client, "shanghaishi", "上海市")
    type_pinyin(client, "pudong", "浦东")
    type_pinyin(client, "xinqu", "新区")
    for key in "88":
        key_at(client, key)
    type_pinyin(client, "hao", "号")
    client.wait_until(lambda s: any("上海市浦东新区88号" in t["text"] for t in s["texts"]), 10, "the typed address")
    client.tap(intent="language", arg="en")  # a redraw in the other language keeps what was typed
    client.wait_until(lambda s: s["language"] == "en" and s["settled"] and any(
        "上海市浦东新区88号" in t["text"] for t in s["texts"]), 10, "the address kept in English")
    assert_fits(client.state())
    shot(client, "en", "certificate_address_keyboard")
    client.tap(intent="language", arg="zh_CN")
    state = client.wait_until(lambda s: s["language"] == "zh_CN" and s["settled"] and any(
        "上海市浦东新区88号" in t["text"] for t in s["texts"]), 10, "the address kept in Chinese")
    assert_fits(state)
    shot(client, "zh_CN", "certificate_address_keyboard")
    client.tap(text=i18n.text("cert.address_confirm", "zh_CN"))
    state = client.wait_for_screen("certificate_print", 30, predicate=lambda s: "EK" in texts(s))
    (waybill,) = [w for w, v in courier.waybills.items() if v["reference"] == copy_id]
    assert waybill in texts(state)
    shot(client, "zh_CN", "certificate_courier_sent")
    client.tap(intent="flow", arg="finish")
    client.wait_for_screen("done", 30)
    stack.simulator.lift()
    with db_session(stack) as db:
        copy = db.get(CertificateCopy, copy_id)
        assert (copy.receive_method, copy.status) == ("courier", "dispatched")
        assert "上海市浦东新区88号".encode() not in db.get(CertificateShipment, waybill).address_sealed
    assert "上海市浦东新区88号" not in stack.kiosk.log_text()
