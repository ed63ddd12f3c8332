"""The queue ticket and the service guide on the real kiosk app under Xvfb, without an ID card: the demo gateway, the
receipt printer simulator on a pty (the ticket read back from it); Chinese, English and large text with high
contrast."""
from __future__ import annotations

import pytest

from catalog import i18n
from kiosk.guide import entry
from kiosk_testkit.demo import DemoStack
from peripherals.printer.simulator import ReceiptPrinterSimulator
from tests.screens.conftest import assert_fits, at_attract, running, shot, texts

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module", params=["normal", "large-contrast"])
def stack(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"queue-{request.param}")
    sim = ReceiptPrinterSimulator(link=workdir / "receipt-printer")
    sim.start()
    extra = {"devices": {"receipt_printer": {"enabled": True, "url": f"serial:{sim.path}", "poll_interval_s": 0.2}}}
    if request.param == "large-contrast":
        extra["ui"] = {"large_text": True, "high_contrast": True}
    demo = DemoStack(workdir, config_extra=extra)
    demo.variant, demo.printer = request.param, sim
    try:
        yield from running(demo)
    finally:
        sim.stop()


@pytest.fixture
def kiosk(stack):
    yield from at_attract(stack)


def settled(client, predicate, what):
    return client.wait_until(lambda s: s["settled"] and predicate(s), 30, what)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_an_enquiry_ticket_without_a_card_is_printed(kiosk, language):
    client, t = kiosk.client, (lambda key, **v: i18n.text(key, language, **v))
    kiosk.printer.clear()
    client.tap(intent="start")
    client.wait_for_screen("identify", 30)
    if language == "en":
        client.tap(intent="language", arg="en")
    state = settled(client, lambda s: t("queue.entry") in texts(s), "the identify screen's ticket button")
    assert_fits(state)
    shot(client, language, f"queue_identify_{kiosk.variant}")
    client.tap(intent="queue")
    state = settled(client, lambda s: s["screen"] == "queue" and t("queue.business.enquiry") in texts(s), "choose")
    assert_fits(state)
    shot(client, language, f"queue_choose_{kiosk.variant}")
    client.tap(intent="queue_business", arg="enquiry")
    state = settled(client, lambda s: t("queue.printed") in texts(s), "the ticket")
    assert_fits(state)
    shot(client, language, f"queue_ticket_{kiosk.variant}")
    number = next(x["text"] for x in state["texts"] if x["text"].startswith("D0"))
    assert kiosk.printer.wait_for_receipts(1, 10)
    receipt = kiosk.printer.receipts[0]
    for text in ("排队号", number, "咨询", "一楼咨询台"):
        assert text.encode("gb18030") in receipt, text


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_service_guide_without_a_card(kiosk, language):
    client, t = kiosk.client, (lambda key, **v: i18n.text(key, language, **v))
    client.tap(intent="start")
    client.wait_for_screen("identify", 30)
    if language == "en":
        client.tap(intent="language", arg="en")
    settled(client, lambda s: t("guide.entry") in texts(s), "the guide button")
    client.tap(intent="guide")
    state = settled(client, lambda s: s["screen"] == "guide" and t("guide.choose") in texts(s), "the guide list")
    assert_fits(state)
    shot(client, language, f"guide_list_{kiosk.variant}")
    client.tap(intent="guide_business", arg="transfer")
    guide = entry("transfer", language)
    state = settled(client, lambda s: guide["materials"][0] in texts(s), "the transfer guide")
    assert guide["name"] in texts(state) and t("guide.fees") in texts(state)
    assert_fits(state)
    shot(client, language, f"guide_transfer_{kiosk.variant}")
    kiosk.printer.clear()
    client.tap(intent="guide_print")
    settled(client, lambda s: t("guide.printed") in texts(s), "the slip printed")
    assert kiosk.printer.wait_for_receipts(1, 10)
    assert guide["materials"][0].encode("gb18030") in kiosk.printer.receipts[0]
