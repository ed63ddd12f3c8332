"""The proof flow against the real gateway: the PDF lands with the document printer (a directory here), its QR code
decodes to the gateway's public verify page, and that page confirms the proof."""
from __future__ import annotations

import subprocess
import threading

import pytest
import requests
import zxingcpp
from PIL import Image

from kiosk import events as ev
from kiosk.flows import FlowServices
from kiosk.flows.proof import ProofFlow
from kiosk.runtime import FlowContext
from tests.kiosk.flows.conftest import person_id
from peripherals.printer import DocumentPrinter


def run_flow(platform, printer, person, kind):
    events = []
    ctx = FlowContext("proof", events.append, threading.Event(), platform.issue_applicant_token(
        person_id(person), "card_only_demo", None))
    ctx.inbox.put(ev.FlowAnswer("choose", kind))
    thread = threading.Thread(target=ProofFlow(platform, FlowServices(document_printer=printer)), args=(ctx,))
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    return events


def qr_of_pdf(path, tmp_path) -> list[str]:
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(path), str(tmp_path / "page")], check=True)
    return [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))]


@pytest.mark.parametrize("person, kind", [("obama", "property_record"), ("kit_harington", "no_property")])
def test_proof_prints_and_its_qr_verifies(gateway, platform, tmp_path, person, kind):
    out = tmp_path / "printed"
    out.mkdir()
    printer = DocumentPrinter(output_dir=out)
    events = run_flow(platform, printer, person, kind)
    finished = [e for e in events if isinstance(e, ev.FlowFinished)]
    assert [f.outcome for f in finished] == ["proof_printed"]
    pdfs = list(out.glob("*.pdf"))
    assert len(pdfs) == 1
    urls = qr_of_pdf(pdfs[0], tmp_path)
    assert len(urls) == 1 and urls[0].startswith(f"{gateway.base_url}/verify/")
    page = requests.get(urls[0], timeout=10)
    assert page.status_code == 200, "the gateway's public page knows this proof"
    forged = requests.get(urls[0][:-1] + ("A" if urls[0][-1] != "A" else "B"), timeout=10)
    assert forged.status_code == 404, "a made-up code is not confirmed"


def test_no_property_proof_for_an_owner_is_refused_in_words_and_nothing_prints(gateway, platform, tmp_path):
    printer = DocumentPrinter(output_dir=tmp_path)
    events = run_flow(platform, printer, "obama", "no_property")
    assert [e.outcome for e in events if isinstance(e, ev.FlowFinished)] == ["properties_exist"]
    assert list(tmp_path.glob("*.pdf")) == []
