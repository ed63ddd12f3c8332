"""Working-day deadlines with real 2025/2026 dates, across Spring Festival and National Day and their make-up days."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from gateway import workdays
from gateway.casework import case_json
from gateway.models import Case, CaseStep

D = dt.date


@pytest.mark.parametrize("start, days, due", [
    # 2025 Spring Festival: 28 Jan - 4 Feb off; Sunday 26 Jan is a make-up working day.
    (D(2025, 1, 24), 5, D(2025, 2, 7)),
    # 2025 National Day + Mid-Autumn: 1-8 Oct off; Sunday 28 Sep and Saturday 11 Oct are working days.
    (D(2025, 9, 26), 10, D(2025, 10, 16)),
    (D(2025, 10, 9), 2, D(2025, 10, 11)),  # lands on the make-up Saturday
    # 2026 Spring Festival: 15-23 Feb off; Saturday 14 Feb and Saturday 28 Feb are working days.
    (D(2026, 2, 12), 5, D(2026, 2, 26)),
    (D(2026, 2, 26), 2, D(2026, 2, 28)),
    # 2026 Mid-Autumn (25 Sep) and National Day (1-7 Oct); Sunday 20 Sep and Saturday 10 Oct are working days.
    (D(2026, 9, 18), 10, D(2026, 10, 9)),
    (D(2026, 9, 24), 5, D(2026, 10, 9)),
    (D(2026, 10, 8), 2, D(2026, 10, 10)),
    # An ordinary week: Friday + 5 working days is the next Friday.
    (D(2025, 6, 6), 5, D(2025, 6, 13)),
])
def test_add_working_days(start, days, due):
    assert workdays.add_working_days(start, days) == workdays.Deadline(due, estimated=False)


def test_days_left_counts_holidays_out_and_make_up_days_in():
    assert workdays.working_days_left(D(2026, 2, 13), D(2026, 2, 26)) == (4, False)  # 14, 24, 25, 26
    assert workdays.working_days_left(D(2026, 2, 26), D(2026, 2, 26)) == (0, False)
    assert workdays.working_days_left(D(2026, 3, 3), D(2026, 2, 26)) == (-4, False)  # 27, 28 (make-up), 2, 3 Mar


def test_a_year_without_calendar_data_falls_back_and_says_so():
    result = workdays.add_working_days(D(2026, 12, 28), 5)
    # 29, 30, 31 Dec 2026 from the calendar, then Monday-Friday: Fri 1 Jan, Mon 4 Jan 2027.
    assert result == workdays.Deadline(D(2027, 1, 4), estimated=True)
    assert workdays.working_days_left(D(2026, 12, 30), D(2027, 1, 6)) == (5, True)


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=D(2025, 1, 1), max_value=D(2026, 11, 30)), st.integers(min_value=0, max_value=40))
def test_deadline_and_days_left_agree(start, days):
    due = workdays.add_working_days(start, days)
    assert workdays.working_days_left(start, due.due)[0] == days
    if days:
        assert workdays.is_working_day(due.due)[0]


def _case(kind, status, received, limit, extension=0, reason=None):
    return Case(case_id="BDC1", id_number="110105196108041235", kind=kind, title="t", status=status,
                received_on=received, time_limit_working_days=limit, extension_working_days=extension,
                extension_reason=reason, rejection_reason=None, property_address="x", area_m2="90.00", price_fen=1)


def test_case_json_mortgage_over_spring_festival():
    case = _case("mortgage", "under_review", D(2026, 2, 12), 5)
    steps = [CaseStep(case_id="BDC1", status="received", at=dt.datetime(2026, 2, 12, 1, 30, tzinfo=dt.timezone.utc))]
    data = case_json(case, steps, today=D(2026, 2, 13))
    assert data["deadline"] == "2026-02-26" and data["working_days_left"] == 4
    assert data["deadline_estimated"] is False and data["extension_reason"] is None
    # The wire form of every API datetime (pydantic's): "Z", not "+00:00".
    assert data["timeline"][0] == {"status": "received", "at": "2026-02-12T01:30:00Z", "done": True}


def test_case_json_extended_case_carries_its_reason():
    case = _case("transfer", "under_review", D(2026, 9, 18), 10, extension=20, reason="继承公证核查")
    data = case_json(case, [], today=D(2026, 9, 18))
    assert data["deadline"] == workdays.add_working_days(D(2026, 9, 18), 30).due.isoformat()
    assert data["working_days_left"] == 30 and data["extension_reason"] == "继承公证核查"
