"""What a scanned code is (acceptance notice, pickup code, staff credential, anything else), decided from its text alone.

The session asks `classify(code)` and hands the code to the service of that kind; each service parses its own
format (a pickup code by kiosk.pickup.codes, an acceptance notice by `acceptance_notice_case`).

Acceptance notice: the QR printed on the notice (kiosk.documents.receipts.acceptance_notice, `status_url`) is the
case's status address, `http(s)://<host>[/prefix]/cases/<case_id>`, case_id as the gateway accepts it
(1-32 of A-Z a-z 0-9 -). The case id is not personal data, but the notice only names a case: nothing about it is
shown until the card and face check of its owner.
"""
from __future__ import annotations

import enum
import logging
import re

logger = logging.getLogger(__name__)

MAX_CODE_LENGTH = 2048  # anything longer is OTHER without looking further
PICKUP_PREFIX = "PK1."  # kiosk.pickup.codes.PREFIX + "."
CASE_ID_RE = re.compile(r"^(?=[A-Za-z0-9-]*[A-Za-z0-9])[A-Za-z0-9-]{1,32}$")  # not dashes alone
_ACCEPTANCE_NOTICE_RE = re.compile(r"^https?://[A-Za-z0-9.:\[\]-]+(?:/[A-Za-z0-9._~-]+)*/cases/((?=[A-Za-z0-9-]*[A-Za-z0-9])[A-Za-z0-9-]{1,32})/?$")


class CodeKind(enum.Enum):
    ACCEPTANCE_NOTICE = "acceptance_notice"
    PICKUP = "pickup"
    STAFF = "staff"  # a maintenance engineer's credential; recognised by the maintenance code, not here
    OTHER = "other"


def acceptance_notice_case(code: str) -> str | None:
    """The case id of an acceptance-notice QR, or None if `code` is not one."""
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH:
        return None
    match = _ACCEPTANCE_NOTICE_RE.match(code.strip())
    return match.group(1) if match else None


def acceptance_notice_url(base_url: str, case_id: str) -> str:
    """The QR content of a case's acceptance notice (the inverse of acceptance_notice_case)."""
    if not CASE_ID_RE.match(case_id):
        raise ValueError("case id: 1-32 letters, digits or '-'")
    return f"{base_url.rstrip('/')}/cases/{case_id}"


def classify(code: str) -> CodeKind:
    """The kind of a scanned code; never raises."""
    if not isinstance(code, str) or not code or len(code) > MAX_CODE_LENGTH:
        return CodeKind.OTHER
    if code.startswith(PICKUP_PREFIX):
        return CodeKind.PICKUP
    if acceptance_notice_case(code) is not None:
        return CodeKind.ACCEPTANCE_NOTICE
    return CodeKind.OTHER
