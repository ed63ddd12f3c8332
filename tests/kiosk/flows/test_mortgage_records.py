"""The gateway's mortgage application JSON becomes typed records once, in the flow; the UI test harness builds the
same records from a step's JSON."""
from __future__ import annotations

from kiosk.flows import mortgage_signing as ms
from kiosk.flows.mortgage_records import Application, Document, Party
from kiosk.flows.steps import step_from_json

GATEWAY_JSON = {  # as gateway/routers/bank_signing.py application_json sends it, a submitted one
    "application_id": "MA-DEMO-004", "status": "submitted", "bank_name": "示例银行", "property_address": "上海市",
    "certificate_no": "沪(2023)第0067890号", "area_m2": "126.30", "loan_amount_fen": 98_000_000, "term_months": 240,
    "documents": [{"name": "抵押合同", "pages": 6}],
    "parties": [{"seq": 1, "role": "mortgagor", "name_masked": "白**", "id_number_masked": "3101**********2341",
                 "signed": True}, {"seq": 2, "role": "co_owner", "name_masked": "欧**",
                                   "id_number_masked": "1101**********1235", "signed": False}],
    "prepared_at": "2026-11-01T09:00:00", "closed_at": None, "decline_reason": None, "case_id": "MTG9F8E7D6C5B",
    "reference": "BK0123456789AB", "case_status": "recorded", "deadline": "2026-11-09T00:00:00",
    "working_days_left": 0,
}


def test_an_application_from_the_gateway_keeps_what_the_screens_show():
    app = Application.of(GATEWAY_JSON)
    assert app.application_id == "MA-DEMO-004" and app.loan_amount_fen == 98_000_000 and app.term_months == 240
    assert app.parties == (Party(1, "mortgagor", "白**", "3101**********2341", True),
                           Party(2, "co_owner", "欧**", "1101**********1235", False))
    assert app.documents == (Document("抵押合同", 6),)
    assert (app.case_status, app.deadline, app.working_days_left, app.reference) == (
        "recorded", "2026-11-09", 0, "BK0123456789AB")


def test_a_prepared_application_without_progress_fields():
    app = Application.of({"application_id": "MA-DEMO-001", "parties": [{"seq": 1}]})
    assert app.parties == (Party(1),) and app.parties[0].role == "mortgagor"
    assert (app.case_status, app.deadline, app.working_days_left, app.documents) == (None, None, None, ())


def test_a_step_from_json_builds_the_nested_records():
    step = step_from_json({"type": "ReadApplication", "application": {
        "application_id": "MA-1", "parties": [{"seq": 1, "name_masked": "林**"}],
        "documents": [{"name": "合同", "pages": 2}]}, "party": {"seq": 1, "name_masked": "林**"}})
    assert isinstance(step, ms.ReadApplication)
    assert step.application.parties == (Party(1, name_masked="林**"),) and step.party == Party(1, name_masked="林**")
    assert step.application.documents == (Document("合同", 2),)


def test_a_registration_from_the_gateway():
    from kiosk.flows.mortgage_records import Mortgage

    m = Mortgage.of({"case_id": "MTG0A1B2C3D4E", "status": "tax_assessed", "received_on": "2026-11-23",
                     "deadline": "2026-11-30", "working_days_left": 5, "property_address_masked": "广东省深圳市***",
                     "certificate_ready": False, "something_new": 1})
    assert m == Mortgage("MTG0A1B2C3D4E", "tax_assessed", "广东省深圳市***", "2026-11-23", "2026-11-30", 5, False)
    assert Mortgage.of({"case_id": "MTG9"}).deadline is None
