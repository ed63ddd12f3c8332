"""Proofs end to end: the real kiosk app, the real gateway, the ID card simulator and the document printer saving
to a directory; the test taps the real widgets and decodes the printed proof's QR code."""
from __future__ import annotations

import re
import subprocess

import pytest
import requests
import zxingcpp
from PIL import Image

from catalog import i18n
from kiosk_testkit.demo import DemoStack
from tests.screens.conftest import assert_fits, at_attract, running, shot, texts
from tests.screens.test_pay import sign_in, step_shown

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def choice_shown(kind: str, language: str = "zh_CN"):
    """The prompt is on screen and so is the button for this kind of proof (a busy machine lays it out later)."""
    prompt = step_shown("proof.prompt", language)
    return lambda s: prompt(s) and any(b.get("arg") == f"choose:{kind}" for b in s["buttons"])


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("proof")
    (workdir / "printed").mkdir()
    demo = DemoStack(workdir, config_extra={"devices": {
        "document_printer": {"enabled": True, "output_dir": str(workdir / "printed")}}})
    yield from running(demo)


@pytest.fixture
def kiosk(stack):
    for old in (stack.workdir / "printed").glob("*.pdf"):
        old.unlink()
    yield from at_attract(stack)


@pytest.mark.parametrize("language, person, kind", [("zh_CN", "obama", "property_record"),
                                                    ("en", "kit_harington", "no_property")])
def test_proof_is_printed_and_its_qr_code_verifies(kiosk, tmp_path, language, person, kind):
    client = kiosk.client
    sign_in(kiosk, person, language)
    state = client.wait_for_screen("menu", 10)
    payment = next(b for b in state["buttons"] if b["intent"] == "service" and b["arg"] == "payment")
    assert not payment["available"], "no receipt printer on this kiosk: payment is not offered"
    client.tap(intent="service", arg="proof")
    state = client.wait_for_screen("proof", 30, predicate=choice_shown(kind, language))
    assert_fits(state)
    shot(client, language, "proof_choose")
    client.tap(intent="flow", arg=f"choose:{kind}")
    state = client.wait_for_screen("done", 30)
    assert i18n.text("proof_printed", language) in texts(state)
    assert i18n.text("outcome.take.document", language) in texts(state), "the A4 document, not a slip"
    assert_fits(state)
    shot(client, language, "proof_done")
    pdfs = list((kiosk.workdir / "printed").glob("*.pdf"))
    assert len(pdfs) == 1, "one proof printed"
    # an official proof: the holder's ID number in full (from the card), while the screens mask it
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdfs[0]), "-"], capture_output=True, text=True,
                          check=True).stdout
    shown_id = re.search(r"证件号码：(\S+)", text)[1]
    assert "*" not in shown_id and len(shown_id) >= 15
    assert shown_id not in texts(state)
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdfs[0]), str(tmp_path / "page")],
                   check=True)
    urls = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))]
    assert len(urls) == 1 and urls[0].startswith(kiosk.gateway.url + "/verify/")
    assert requests.get(urls[0], timeout=10).status_code == 200


def test_no_property_proof_for_an_owner_is_explained(kiosk):
    client = kiosk.client
    sign_in(kiosk, "obama")
    client.tap(intent="service", arg="proof")
    client.wait_for_screen("proof", 30, predicate=choice_shown("no_property"))
    client.tap(intent="flow", arg="choose:no_property")
    state = client.wait_for_screen("done", 30)
    assert i18n.text("properties_exist", "zh_CN") in texts(state)
    assert i18n.text("outcome.title.properties_exist", "zh_CN") in texts(state), "its own title, not 谢谢使用"
    assert_fits(state)
    assert list((kiosk.workdir / "printed").glob("*.pdf")) == []
    shot(client, "zh_CN", "proof_properties_exist")
    client.tap(intent="rate_skip")  # the 好差评 panel comes first; skipped, the done screen's own buttons are there
    client.wait_for_screen("done", 30, predicate=lambda s: not s["overlay"])
    # the refusal's direct next step: the proof of the property, one tap away
    client.tap(intent="service", arg="proof")
    client.wait_for_screen("proof", 30, predicate=choice_shown("property_record"))
    client.tap(intent="flow", arg="choose:property_record")
    state = client.wait_for_screen("done", 30, predicate=lambda s: i18n.text("proof_printed", "zh_CN") in texts(s))
    assert len(list((kiosk.workdir / "printed").glob("*.pdf"))) == 1
