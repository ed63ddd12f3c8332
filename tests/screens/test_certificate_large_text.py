"""The certificate screens in large text (ui.large_text) under Xvfb, in Chinese and English: the ready list, the
preview, the ways to receive and the address keyboard fit their widgets; screenshots in
var/test-screenshots/<language>-large/."""
from __future__ import annotations

import pytest

from kiosk_testkit.demo import DemoStack
from tests.screens.conftest import SCREENSHOTS, assert_fits, running
from tests.screens.test_pay import sign_in, step_shown

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("certlarge")
    extra = {"devices": {"certificate_printer": {"enabled": True, "output_dir": str(workdir / "certificates")}},
             "ui": {"large_text": True}}
    yield from running(DemoStack(workdir, config_extra=extra))


def both(client, name):
    for language in ("zh_CN", "en"):
        if language == "en":
            client.tap(intent="language", arg="en")
        state = client.wait_until(lambda s, language=language: s["language"] == language and s["settled"], 10)
        assert_fits(state)
        for text in state["texts"]:
            assert text["height"] >= 60 or not text["text"].strip(), text  # large text: nothing small
        client.screenshot(SCREENSHOTS / f"{language}-large" / f"{name}.png")
    client.tap(intent="language", arg="zh_CN")
    client.wait_until(lambda s: s["language"] == "zh_CN" and s["settled"], 10)


def test_the_certificate_screens_fit_in_large_text(stack):
    client = stack.client
    client.wait_for_screen("attract", 60)
    sign_in(stack, "obama")
    client.tap(intent="service", arg="certificate_print")
    state = client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.choose"))
    both(client, "certificate_ready_list")
    (preview,) = [b["arg"] for b in state["buttons"] if b["arg"].startswith("preview:")]
    client.tap(intent="flow", arg=preview)
    client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.preview"))
    both(client, "certificate_preview")
    client.tap(intent="flow", arg="other")
    client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.receive_prompt"))
    both(client, "certificate_receive_options")
    client.tap(intent="flow", arg="receive:courier")
    client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.address_prompt"))
    both(client, "certificate_address_keyboard")
    client.tap(intent="flow", arg="back")
    client.wait_for_screen("certificate_print", 30, predicate=step_shown("cert.choose"))
