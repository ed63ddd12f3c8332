"""Receipt templates: payment receipt (with the e-invoice QR), acceptance notice, pickup slip, queue/help ticket.

Each receipt is a Jinja2 template in templates/ rendering to the line markup of kiosk.documents.markup; this module
only prepares values (amounts in yuan, dates, masked names) and returns receipt elements for the printer.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from functools import lru_cache

import jinja2

from catalog.beijing_time import BEIJING
from kiosk.documents.markup import escape, parse
from kiosk.privacy import mask_id_number, mask_name
from peripherals.printer.layout import Element

logger = logging.getLogger(__name__)

RECEIPTS = ("payment_receipt", "acceptance_notice", "pickup_slip", "queue_ticket", "application_receipt")

KIND_TITLES = {"mortgage": "抵押登记", "transfer": "转移登记", "first_registration": "首次登记", "change": "变更登记",
               "cancellation": "注销登记"}


def yuan(amount_fen) -> str:
    """12345 -> ￥123.45 (full-width yuan sign: one GB2312 character every printer font has)."""
    fen = int(amount_fen)
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}￥{fen // 100:,}.{fen % 100:02d}"


def _datetime(value) -> str:
    if isinstance(value, datetime):  # Beijing time, whatever zone the kiosk's clock is in (naive: the local clock)
        return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("kiosk.documents", "templates"),
                             finalize=escape, undefined=jinja2.StrictUndefined, autoescape=False,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(yuan=yuan, when=_datetime, mask_name=mask_name, mask_id=mask_id_number,
                       kind_title=lambda k: KIND_TITLES.get(k, str(k)))
    return env


def render(name: str, **context) -> list[Element]:
    """The elements of receipt `name` (one of RECEIPTS). A missing value raises jinja2.UndefinedError."""
    if name not in RECEIPTS:
        raise ValueError(f"unknown receipt {name!r}")
    return parse(environment().get_template(f"{name}.txt").render(**context))


def payment_receipt(*, office: str, kiosk_id: str, case_id: str, case_kind: str, items, total_fen: int,
                    order_id: str, paid_at, e_invoice_url: str | None, payer_name: str | None = None,
                    channel_name: str | None = None, payment_code: str | None = None,
                    transaction_masked: str | None = None) -> list[Element]:
    """items: dicts or objects with name and amount_fen (kiosk.cases.Fee), and the collecting department if known;
    the channel, the 20-digit 缴款码 and the provider's (masked) transaction number are printed when given."""
    rows = [{"name": _get(i, "name"), "amount_fen": _get(i, "amount_fen"), "department": _get(i, "department", "")}
            for i in items]
    if sum(r["amount_fen"] for r in rows) != total_fen:
        raise ValueError("payment receipt: items do not add up to the total")
    return render("payment_receipt", office=office, kiosk_id=kiosk_id, case_id=case_id, case_kind=case_kind,
                  items=rows, total_fen=total_fen, order_id=order_id, paid_at=paid_at, e_invoice_url=e_invoice_url,
                  payer_name=payer_name, channel_name=channel_name, payment_code=payment_code,
                  transaction_masked=transaction_masked)


def acceptance_notice(*, office: str, case_id: str, case_kind: str, received_on, deadline, working_days: int,
                      documents=(), applicant_name: str | None = None, status_url: str | None = None,
                      extension_reason: str | None = None) -> list[Element]:
    return render("acceptance_notice", office=office, case_id=case_id, case_kind=case_kind, received_on=received_on,
                  deadline=deadline, working_days=working_days, documents=list(documents),
                  applicant_name=applicant_name, status_url=status_url, extension_reason=extension_reason)


def pickup_slip(*, office: str, case_id: str, locker_id: str, compartment: str, collected_at,
                collector: str | None = None, by_agent: bool = False) -> list[Element]:
    """The record of a certificate taken out of the locker; `collector` is the masked name, never the full one."""
    return render("pickup_slip", office=office, case_id=case_id, locker_id=locker_id, compartment=compartment,
                  collected_at=collected_at, collector=collector, by_agent=by_agent)


def queue_ticket(*, office: str, number: str, service: str, waiting: int, issued_at, kiosk_id: str,
                 help_request: bool = False) -> list[Element]:
    return render("queue_ticket", office=office, number=number, service=service, waiting=waiting,
                  issued_at=issued_at, kiosk_id=kiosk_id, help_request=help_request)


_REQUIRED = object()


def _get(item, key, default=_REQUIRED):
    if default is _REQUIRED:
        return item[key] if isinstance(item, dict) else getattr(item, key)
    return item.get(key, default) if isinstance(item, dict) else getattr(item, key, default)


def sample_payment_receipt() -> list[Element]:
    """The payment receipt of the diagnostic CLI, the benchmark and the tests (invented data)."""
    return payment_receipt(
        office="北京市朝阳区不动产登记中心", kiosk_id="demo-hall-01", case_id="BJ2026-000123", case_kind="transfer",
        items=[{"name": "契税", "amount_fen": 4_500_000}, {"name": "不动产登记费", "amount_fen": 8_000},
               {"name": "住宅专项维修资金", "amount_fen": 1_250_000}],
        total_fen=5_758_000, order_id="PO-20261123-0001", paid_at=datetime(2026, 11, 23, 10, 30),
        e_invoice_url="https://gateway.example/e-invoice/PO-20261123-0001", payer_name="欧阳明")
