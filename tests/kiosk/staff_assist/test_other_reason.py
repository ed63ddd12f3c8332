"""The "other" reason's words at a staff-assisted check: required, at most OTHER_TEXT_MAX characters, words rather
than numbers (the gateway's rule, said on the kiosk before anything is sent, so the PIN is still there for the next
try), sent with the check and kept out of the command's and the event's repr (what a log line would print)."""
from __future__ import annotations

from kiosk.staff_assist import events as aev
from kiosk.staff_assist.session_part import OTHER_TEXT_MAX, CheckStaffAssist
from tests.kiosk.staff_assist.test_assist_session import failed_face, to_confirm


def test_the_other_reason_is_checked_on_the_kiosk_then_sent_with_the_check():
    session = failed_face()
    to_confirm(session)
    for text, message in (("   ", "reason_text_required"), ("右" * (OTHER_TEXT_MAX + 1), "reason_text_too_long"),
                          ("电话13800138000", "invalid_reason_text"), ("写信到a@b", "invalid_reason_text")):
        assert session.handle(aev.StaffAssistConfirmed("other", text)) == []
        view = session.view()
        assert (view.assist_page, view.assist_message) == ("confirm", message), text
    words = "右手受伤无法" + "持" * (OTHER_TEXT_MAX - 6)
    [check] = session.handle(aev.StaffAssistConfirmed("other", f"  {words} "))
    assert isinstance(check, CheckStaffAssist) and (check.reason, check.text) == ("other", words)
    assert check.pin == "246810"  # the refused tries did not use the PIN up
    assert words not in repr(check) and words not in repr(aev.StaffAssistConfirmed("other", words))


def test_a_listed_reason_sends_no_words():
    session = failed_face()
    to_confirm(session)
    [check] = session.handle(aev.StaffAssistConfirmed("disability", "ignored words"))
    assert (check.reason, check.text) == ("disability", "")
