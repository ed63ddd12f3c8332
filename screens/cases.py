"""The case list (case_status flow): each case's title, status, timeline, deadline, working days left, delays, and
how each of its certificates is received (a courier parcel with its tracking)."""
from __future__ import annotations

import logging
from datetime import date, datetime

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from catalog import i18n
from screens.base import BaseScreen

logger = logging.getLogger(__name__)


class CaseCard(BoxLayout):
    title = StringProperty("")
    kind = StringProperty("")
    status = StringProperty("")
    rejected = BooleanProperty(False)
    case_id = StringProperty("")
    received = StringProperty("")
    deadline = StringProperty("")
    days = StringProperty("")
    days_warn = BooleanProperty(False)
    extension = StringProperty("")
    next_action = StringProperty("")
    certificates = StringProperty("")


class TimelineStep(BoxLayout):
    label = StringProperty("")
    when = StringProperty("")
    done = BooleanProperty(False)
    current = BooleanProperty(False)
    first = BooleanProperty(False)
    last = BooleanProperty(False)


def _date_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def _days_text(days: int | None, language: str) -> tuple[str, bool]:
    if days is None:
        return "", False
    if days > 0:
        return i18n.text("cases.days_left", language, days=days), days <= 2
    if days == 0:
        return i18n.text("cases.due_today", language), True
    return i18n.text("cases.overdue", language, days=-days), True


def _label(prefix: str, value: str | None, language: str) -> str:
    key = f"{prefix}.{value}"
    return i18n.text(key, language) if key in i18n.CATALOG else (value or "")


RESTRICTION_KINDS = ("mortgage", "seizure", "advance_notice", "objection")
# The registration's steps in the order they happen; a refusal ends the line wherever it came.
STEP_ORDER = ("received", "under_review", "tax_assessed", "paid", "recorded", "certificate_ready", "collected",
              "rejected")


def _step_rank(step) -> int:
    status = getattr(step, "status", "")
    return STEP_ORDER.index(status) if status in STEP_ORDER else len(STEP_ORDER)


def restriction_text(restriction, language: str) -> str:
    """A restriction on the case's property in plain words (kiosk.cases.Restriction)."""
    kind = getattr(restriction, "kind", "")
    if kind not in RESTRICTION_KINDS:
        return ""
    fen = getattr(restriction, "amount_fen", None)
    ends = getattr(restriction, "ends_on", None)
    amount = i18n.text("cases.restriction.amount", language, yuan=f"{fen / 100:,.2f}") if fen else ""
    until = i18n.text("cases.restriction.until", language, date=_date_text(ends)) if ends else ""
    return i18n.text(f"cases.restriction.{kind}", language, holder=getattr(restriction, "holder", ""),
                     amount=amount, until=until)


RECEIVE_METHODS = ("window", "self_print", "locker", "courier", "e_certificate")


def certificate_text(copy, n: int, language: str) -> str:
    """One certificate of the case (kiosk.cases.CertificateCopy): how it is received, in a registration hall's
    words, and for a courier parcel its tracking steps (dates in Beijing time)."""
    from catalog.beijing_time import beijing

    method = getattr(copy, "receive_method", None)
    shipments = getattr(copy, "shipments", ()) or ()
    waybill = shipments[-1].waybill if shipments else ""
    how = i18n.text(f"cases.cert.how.{method if method in RECEIVE_METHODS else 'none'}", language, waybill=waybill)
    lines = [i18n.text("cases.cert.line", language, n=n, how=how)]
    if getattr(copy, "status", "") == "collected":
        lines.append(i18n.text("cases.cert.collected", language))
    if shipments:
        steps = [f'{beijing(step.at, "%m-%d") if step.at else ""} '
                 f'{_label("cases.cert.scan", step.status, language)}'.strip()
                 for step in shipments[-1].steps]
        lines.append(i18n.text("cases.cert.tracking", language, steps=(" → ").join(steps)))
        if shipments[-1].status == "returned" and getattr(copy, "status", "") == "ready":
            lines.append(i18n.text("cases.cert.returned", language))
    return "\n".join(lines)


def _next_action(action: str | None, language: str) -> str:
    """The gateway sends a message key; a key this build does not know is left out rather than shown raw."""
    if not action:
        return ""
    key = f"next.{action}"
    if key in i18n.CATALOG:
        return i18n.text("cases.next_action", language, action=i18n.text(key, language))
    if action.isascii():
        logger.warning("no text for next action %r", action)
        return ""
    return i18n.text("cases.next_action", language, action=action)


class CasesScreen(BaseScreen):
    _shown: tuple | None = None

    def render(self, view) -> None:
        language = self.app.language
        notes = []
        # Opened from a scanned acceptance notice: only that case (the session checked it is this person's).
        focus = view.focus_case
        cases = tuple(c for c in view.cases if getattr(c, "case_id", None) == focus) if focus else ()
        focused = bool(cases)
        if focused:
            notes.append(self.t("cases.from_notice"))
        else:
            cases = view.cases
        if not view.cases_loaded and not view.message:
            notes.append(self.t("cases.loading"))
        elif view.cases_loaded and not view.cases:
            notes.append(self.t("cases.none"))
        elif view.cases and not focused:
            notes.append(self.t("cases.count", count=len(view.cases)))
        self.ids.notes.text = "\n".join(notes)
        self.ids.stale.text = self.t("cases.stale") if view.cases_stale_since else ""
        self.ids.message.text = self.app.message(view.message)
        key = (cases, language)
        if key == self._shown:
            return
        self._shown = key
        box = self.ids.case_list
        box.clear_widgets()
        for case in cases:
            box.add_widget(self._card(case, language))
        self.ids.scroll.scroll_y = 1

    def deactivate(self) -> None:
        # The cards hold case data: drop them when the applicant leaves the list.
        self._shown = None
        self.ids.case_list.clear_widgets()

    def _card(self, case, language: str) -> CaseCard:
        status = getattr(case, "status", "")
        days, warn = _days_text(getattr(case, "working_days_left", None), language)
        deadline = getattr(case, "deadline", None)
        deadline_text = i18n.text("cases.deadline", language, date=_date_text(deadline)) if deadline else ""
        if deadline and getattr(case, "deadline_estimated", False):
            deadline_text += i18n.text("cases.estimated", language)
        extension = getattr(case, "extension_reason", None)
        rejection = getattr(case, "rejection_reason", None)
        kind = _label("kind", getattr(case, "kind", ""), language)
        title = str(getattr(case, "title", "") or kind)
        if language == "en" and f"kind.{getattr(case, 'kind', '')}" in i18n.CATALOG:
            title = kind  # the gateway's titles are Chinese: in English the kind of registration is named
        card = CaseCard(
            title=title,
            kind="" if kind == title else kind,
            status=i18n.text("cases.status", language, status=_label("status", status, language)),
            rejected=status == "rejected",
            case_id=i18n.text("cases.case_id", language, case_id=getattr(case, "case_id", "")),
            received=i18n.text("cases.received", language, date=_date_text(getattr(case, "received_on", None))),
            deadline=deadline_text,
            days=days, days_warn=warn,
            extension="\n".join(filter(None, (
                i18n.text("cases.extension", language, reason=extension) if extension else "",
                i18n.text("cases.rejection", language, reason=rejection) if rejection else "",
                *(restriction_text(r, language) for r in getattr(case, "restrictions", ()) or ())))),
            next_action=_next_action(getattr(case, "next_action", None), language),
            certificates="\n".join(certificate_text(c, n, language)
                                    for n, c in enumerate(getattr(case, "certificates", ()) or (), start=1)))
        # The same order of steps for every case, and the ring on the step the status text names.
        steps = tuple(sorted(getattr(case, "timeline", ()) or (), key=_step_rank))
        statuses = [getattr(step, "status", "") for step in steps]
        current = statuses.index(status) if status in statuses else next(
            (i for i, step in enumerate(steps) if not getattr(step, "done", False)), len(steps))
        timeline = card.ids.timeline
        for i, step in enumerate(steps):
            timeline.add_widget(TimelineStep(
                label=_label("status", getattr(step, "status", ""), language),
                when=_date_text(getattr(step, "at", None))[5:] if getattr(step, "done", False) else "",
                done=bool(getattr(step, "done", False)), current=i == current,
                first=i == 0, last=i == len(steps) - 1))
        return card

