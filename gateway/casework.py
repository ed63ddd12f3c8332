"""Case domain rules: the steps of each kind of case, its statutory time limit, and the JSON the kiosks receive."""
from __future__ import annotations

import datetime as dt
import functools
import logging
from zoneinfo import ZoneInfo

from gateway import workdays
from gateway.models import Case, CaseStep

logger = logging.getLogger(__name__)

CHINA = ZoneInfo("Asia/Shanghai")

KINDS = ("mortgage", "transfer", "first_registration", "change", "cancellation")
STATUSES = ("received", "under_review", "tax_assessed", "paid", "recorded", "certificate_ready", "collected",
            "rejected")

TITLES = {"mortgage": "抵押权登记", "transfer": "存量房转移登记", "first_registration": "新建商品房首次登记",
          "change": "变更登记", "cancellation": "注销登记"}

_WITH_FEES = ("received", "under_review", "tax_assessed", "paid", "recorded", "certificate_ready", "collected")
_WITHOUT_FEES = ("received", "under_review", "recorded", "certificate_ready", "collected")
# A mortgage's registration fee is assessed and paid when it is received (a bank service point takes it at signing);
# the review and recording follow.
_MORTGAGE = ("received", "tax_assessed", "paid", "under_review", "recorded", "certificate_ready", "collected")
STEPS = {"mortgage": _MORTGAGE, "cancellation": _WITHOUT_FEES,
         "transfer": _WITH_FEES, "first_registration": _WITH_FEES, "change": _WITH_FEES}

# Statutory time limits (Regulations on Real Estate Registration and the 2019 "5 working days" reform).
TIME_LIMIT_WORKING_DAYS = {"mortgage": 5, "transfer": 10, "first_registration": 10, "change": 10, "cancellation": 10}

# Once a case is recorded the statutory clock has stopped; no countdown is shown from then on.
CLOCK_STOPPED = frozenset({"recorded", "certificate_ready", "collected", "rejected"})

# Message keys: the kiosk shows each in the applicant's language.
NEXT_ACTIONS = {"received": "wait_for_review", "under_review": "wait_for_review", "tax_assessed": "pay_fees",
                "paid": "wait_for_recording", "recorded": "wait_for_certificate",
                "certificate_ready": "collect_certificate", "collected": None, "rejected": "contact_counter"}
# A recorded mortgage has no certificate to wait for: its registration proof prints at the bank service point.
KIND_NEXT_ACTIONS = {("mortgage", "recorded"): "print_mortgage_proof"}


def today_in_china() -> dt.date:
    return dt.datetime.now(CHINA).date()


def steps_for(case: Case) -> tuple[str, ...]:
    return STEPS[case.kind]


def deadline_of(case: Case) -> workdays.Deadline:
    return _deadline(case.received_on, case.time_limit_working_days + (case.extension_working_days or 0))


# Pure functions of dates (the calendar data is fixed for a release of the package), memoised: counting day by day
# was most of the cost of a case list. Not state between requests: the same dates always give the same answer.
_deadline = functools.lru_cache(maxsize=4096)(workdays.add_working_days)
_working_days_left = functools.lru_cache(maxsize=4096)(workdays.working_days_left)


def _json_time(moment: dt.datetime) -> str:
    """A UTC time as the API writes every datetime (pydantic's form: "Z" rather than "+00:00")."""
    return moment.isoformat().replace("+00:00", "Z")


def case_json(case: Case, steps: list[CaseStep], today: dt.date | None = None) -> dict:
    today = today or today_in_china()
    reached = {step.status: step.at for step in steps}
    sequence = list(steps_for(case))
    if case.status == "rejected":
        done_upto = max((sequence.index(s) for s in reached if s in sequence), default=0)
        sequence = sequence[:done_upto + 1] + ["rejected"]
    position = sequence.index(case.status) if case.status in sequence else 0
    timeline = [{"status": status, "at": _json_time(reached[status]) if status in reached else None,
                 "done": index <= position} for index, status in enumerate(sequence)]
    deadline = None
    left = None
    estimated = False
    if case.status != "rejected":
        due = deadline_of(case)
        deadline = due.due.isoformat()
        estimated = due.estimated
        if case.status not in CLOCK_STOPPED:
            left, guessed = _working_days_left(today, due.due)
            estimated |= guessed
    return {
        "case_id": case.case_id,
        "kind": case.kind,
        "title": case.title,
        "status": case.status,
        "received_on": case.received_on.isoformat(),
        "deadline": deadline,
        "working_days_left": left,
        "extension_reason": case.extension_reason if case.extension_working_days else None,
        "next_action": KIND_NEXT_ACTIONS.get((case.kind, case.status), NEXT_ACTIONS[case.status]),
        "timeline": timeline,
        "deadline_estimated": estimated,
        "rejection_reason": case.rejection_reason if case.status == "rejected" else None,
    }
