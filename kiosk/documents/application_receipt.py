"""The 受理回执 / 预受理通知 of a one-window application, printed at the kiosk from the gateway's receipt data."""
from __future__ import annotations

import datetime as dt
import logging

from catalog.beijing_time import BEIJING
from kiosk.documents.receipts import render
from peripherals.printer.layout import Element

logger = logging.getLogger(__name__)

HEADINGS = {"acceptance_receipt": "受理回执", "pre_acceptance_notice": "预受理通知"}
HOW = {"captured": "（{pages}页）", "signed_form": "（自助终端签名，{pages}页）", "fetched": "（部门共享获取）"}


def _beijing(value: str) -> str:
    """An ISO timestamp from the gateway as Beijing time, minutes."""
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)  # the gateway stores UTC
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _material(item: dict) -> str:
    return item["title_zh"] + HOW.get(item.get("how"), "").format(pages=item.get("pages") or "")


def application_receipt(data: dict) -> list[Element]:
    """The receipt's elements from GET /v1/applications/{no}/receipt; only the masked name is printed. A receipt
    missing a field it needs raises KeyError (the caller says the receipt cannot be printed)."""
    document = data["document"]
    if document not in HEADINGS:
        raise ValueError(f"unknown application receipt {document!r}")
    return render("application_receipt", heading=HEADINGS[document], office=data["office"],
                  application_no=data["application_no"], title=data["title_zh"],
                  applicant=data.get("applicant_name_masked") or None, submitted_at=_beijing(data["submitted_at"]),
                  received_on=data["received_on"], working_days=data["time_limit_working_days"],
                  deadline=data.get("deadline"), estimated=bool(data.get("deadline_estimated")),
                  materials=[_material(m) for m in data["materials"]], qr_url=data["qr_url"])


def print_application_receipt(printer, data: dict) -> bool:
    """Prints the receipt on `printer` (peripherals.printer, print_elements); True when it came out. Nothing of the
    receipt goes into the log, only the outcome."""
    from peripherals.status import CompletionCode

    if printer is None:
        return False
    try:
        elements = application_receipt(data)
    except (KeyError, TypeError, ValueError) as exc:
        logger.warning("application receipt not printable: %s", type(exc).__name__)
        return False
    code = printer.print_elements(elements)
    if code != CompletionCode.SUCCESS:
        logger.warning("application receipt not printed (%s)", code.value)
    return code == CompletionCode.SUCCESS
