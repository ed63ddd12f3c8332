"""The mortgage signing screen (bank service point): staff PIN, application choice, party card and face prompts,
the application to read (scrollable, large type), the signature pad, and a decline with its reason.

It renders the flow's current step (view.flow, a kiosk.flows.mortgage_signing step) and sends every answer, a keypad
key included, as a FlowAnswer through the app's post: the keypad's digits and the decline choice live in the flow.
"""
from __future__ import annotations

import logging

from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk import events as ev
from kiosk.flows import mortgage_signing as ms
from kiosk.flows.mortgage_records import Application, Party
from catalog import i18n
from screens.base import BaseScreen, KioskButton, KioskLabel
from screens.face_preview import PartyFaceStep
from screens.signing import SignaturePad

logger = logging.getLogger(__name__)


# Decline reasons offered on screen; the registration centre receives the Chinese text.
DECLINE_REASONS = ("amount", "term", "property", "not_now")


def money(fen: int, language: str) -> str:
    return i18n.text("bank.money", language, amount=f"{fen / 100:,.2f}")


def _styled(widget, props: dict):
    # Set after construction: the widget's kv class rule would otherwise win over constructor arguments.
    for name, value in props.items():
        setattr(widget, name, value)
    return widget


def _label(text: str, **props) -> KioskLabel:
    return _styled(KioskLabel(text=text), props)


def _button(text: str, on_press, secondary: bool = False, **props) -> KioskButton:
    from kivy.factory import Factory

    button = _styled((Factory.SecondaryButton if secondary else KioskButton)(text=text), props)
    button.bind(on_release=lambda *_: on_press())
    return button


# How each step is drawn (BankSigningScreen method names); any other step shows "please wait".
RENDERERS = {ms.StaffSignIn: "_render_staff_sign_in", ms.ChooseApplication: "_render_choose_application",
             ms.Submissions: "_render_submissions", ms.PartyCard: "_render_party_card",
             ms.PartyFace: "_render_party_face", ms.ReadApplication: "_render_read_application",
             ms.Sign: "_render_sign", ms.Finished: "_render_finished", ms.PartyFailed: "_render_finished"}


class BankSigningScreen(BaseScreen):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._shown: tuple | None = None
        self._step: ev.FlowStep | None = None
        self._pad: SignaturePad | None = None
        self._guidance: KioskLabel | None = None
        self._field: KioskLabel | None = None  # the sign-in keypad's field, updated in place as keys are typed
        self._declining: str | None = None  # the decline reason chosen and awaiting confirmation
        self._face = PartyFaceStep(self)  # the signer's face step: the live preview, countdown and a way out

    # -- answers ---------------------------------------------------------------------------------------------
    def answer(self, action: str, value=None) -> None:
        self.app.post(ev.FlowAnswer(action, value))

    def deactivate(self) -> None:
        self._face.stop()
        # The body may show the application and a signature: drop them when the screen goes.
        self._shown = self._step = None
        self._declining = None
        self._pad = self._local_hint = None
        self.ids.body.clear_widgets()
        self.ids.footer.clear_widgets()

    # -- rendering -------------------------------------------------------------------------------------------
    def render(self, view) -> None:
        step = view.flow
        language = self.app.language
        self.ids.message.text = self.message_text((step.message if step else None) or view.message)
        if isinstance(step, ms.PartyFace):  # the guidance changes often: updated in place
            key = (ms.PartyFace, step.party, language)
            if self._guidance is not None:
                guidance = step.verify_guidance
                self._guidance.text = self.app.message(guidance) if guidance else self.t("verify.reading")
                self._face.show(step)
        elif isinstance(step, ms.StaffSignIn):  # each key: the field and the prompt change, the keypad stays put
            key = (ms.StaffSignIn, step.attempt, step.message, language)
            if self._field is not None:
                self._show_typed(step)
        else:
            key = (type(step), step, language)
            if not getattr(step, "declining", False):
                self._declining = None  # a reason is confirmed only on the decline step it was chosen on
        if key == self._shown:
            return
        keep_pad = self._pad if isinstance(step, ms.Sign) and step == self._step else None  # a language switch
        self._step, self._shown = step, key  # keeps the strokes
        body, footer = self.ids.body, self.ids.footer
        body.clear_widgets()
        footer.clear_widgets()
        self._pad = keep_pad
        if keep_pad is None and self._local_hint:  # another step: the pad's hint is gone with the pad
            self._local_hint = None
            self.ids.message.text = self.message_text((step.message if step else None) or view.message)
        self._guidance = self._field = None
        self._face.stop()
        getattr(self, RENDERERS.get(type(step), "_render_waiting"))(step, language)
        self.ids.scroll.do_scroll_y = not isinstance(step, ms.Sign)  # on the pad a finger writes, not scrolls
        self.ids.scroll.scroll_y = 1

    def _title(self, title_key: str, prompt: str = "") -> None:
        self.ids.title.text = self.t(title_key)
        self.ids.prompt.text = prompt

    def _cancel_button(self) -> None:
        self.ids.footer.add_widget(_button(self.t("bank.cancel"), lambda: self.answer("cancel"),
                                           secondary=True))

    def _render_waiting(self, step, language) -> None:
        self._title("bank.title", self.t("bank.please_wait"))

    def _render_finished(self, step, language) -> None:
        self._title("bank.title", "")

    # staff sign-in: staff number, then PIN, on a keypad; every key goes to the flow, which says what to show
    def _render_staff_sign_in(self, step, language) -> None:
        self._field = _label(" ", font_size=self.app.fs_huge, halign="center", bold=True)
        self._show_typed(step)
        self.ids.body.add_widget(self._field)
        grid = GridLayout(cols=3, spacing=24, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for label in ("1", "2", "3", "4", "5", "6", "7", "8", "9"):
            grid.add_widget(_button(label, lambda d=label: self._press(d), secondary=True))
        grid.add_widget(_button(self.t("bank.key_clear"), lambda: self._press("clear"), secondary=True))
        grid.add_widget(_button("0", lambda: self._press("0"), secondary=True))
        grid.add_widget(_button(self.t("bank.key_ok"), lambda: self._press("ok")))
        self.ids.body.add_widget(grid)
        self._cancel_button()

    def _show_typed(self, step) -> None:
        self._title("bank.staff_title", self.t("bank.enter_pin" if step.asking_pin else "bank.enter_staff_no"))
        self._field.text = step.shown or " "

    def _press(self, key: str) -> None:
        self.answer("key", key)

    # choosing the application
    def _render_choose_application(self, step, language) -> None:
        self._title("bank.choose_title", self.t("bank.choose_prompt"))
        for application in step.applications:
            parties = " / ".join(p.name_masked for p in application.parties)
            text = self.t("bank.application_line", application_id=application.application_id,
                          amount=money(application.loan_amount_fen, language), parties=parties)
            button = _button(text, lambda a=application.application_id: self.answer("choose", a),
                             secondary=True, font_size=self.app.fs_body)
            button.height = self.app.button_height * 1.4
            self.ids.body.add_widget(button)
        submitted = step.submitted
        if submitted:
            self.ids.body.add_widget(_label(self.t("bank.submitted_title"), bold=True,
                                                font_size=self.app.fs_body))
        for application in submitted:
            self.ids.body.add_widget(_label(self._submitted_line(application, language),
                                                font_size=self.app.fs_small))
        if submitted:
            self.ids.body.add_widget(_button(self.t("bank.submissions_button", count=step.submitted_count),
                                             lambda: self.answer("submissions"), secondary=True))
        self._cancel_button()

    # the bank's submitted and declined applications, with the registration's progress and deadline
    def _render_submissions(self, step, language) -> None:
        self._title("bank.submissions_title", self.t("bank.submissions_prompt"))
        for application in step.submitted:
            details = [self._submitted_line(application, language)]
            if application.deadline and application.status == "submitted":
                details.append(self.t("bank.deadline", deadline=application.deadline))
            if application.reference:
                details.append(self.t("bank.reference", reference=application.reference))
            details.append(" / ".join(self._party_text(p) for p in application.parties))
            self.ids.body.add_widget(_label("\n".join(details), font_size=self.app.fs_small))
        self.ids.footer.add_widget(_button(self.t("button.back"), lambda: self.answer("back"),
                                           secondary=True))

    def _submitted_line(self, application: Application, language: str) -> str:
        if application.status == "declined":
            state = self.t("bank.declined_because", reason=application.decline_reason or "")
        else:
            status = application.case_status or "received"
            key = f"status.{status}"
            state = i18n.text(key, language) if key in i18n.CATALOG else status
            days = application.working_days_left
            if days is not None and days > 0:
                state += "  " + i18n.text("cases.days_left", language, days=days)
        return f"{application.application_id}  {state}"

    def _party_text(self, party: Party) -> str:
        role = self.t(f"bank.role.{party.role}")
        separator = " " if self.app.language == "en" else ""
        return f"{role}{separator}{party.name_masked}"

    def _render_party_card(self, step, language) -> None:
        party = step.party
        self._title("bank.card_title", self.t("bank.card_prompt", party=self._party_text(party)))
        from kivy.factory import Factory

        self.ids.body.add_widget(Widget(size_hint_y=None, height=80))
        self.ids.body.add_widget(Factory.CardPicture())
        self._cancel_button()

    def _render_party_face(self, step, language) -> None:
        self.ids.title.text = self.t("bank.face_title", party=self._party_text(step.party))
        self.ids.prompt.text = ""
        guidance = step.verify_guidance
        self._guidance = _label(self.app.message(guidance) if guidance else self.t("verify.reading"),
                                    font_size=self.app.fs_title, bold=True, halign="center",
                                    color=self.app.color_primary)
        self.ids.body.add_widget(self._guidance)
        self._face.build(step)

    # reading the application, large type, scrollable
    def _render_read_application(self, step, language) -> None:
        application, party = step.application, step.party
        if step.declining and self._declining in DECLINE_REASONS:
            # One tap on a reason does not decline: the party confirms it (or goes back to the reasons).
            reason = self._declining
            self._title("bank.decline_title", self.t("bank.decline_confirm", reason=self.t(f"bank.reason.{reason}")))
            self.ids.footer.add_widget(_button(self.t("button.back"), lambda: self._choose_reason(None),
                                               secondary=True))
            self.ids.footer.add_widget(_button(self.t("bank.decline_confirmed"), lambda: self.answer(
                "decline", i18n.text(f"bank.reason.{reason}", "zh_CN"))))
            return
        if step.declining:
            self._title("bank.decline_title", self.t("bank.decline_prompt"))
            for reason in DECLINE_REASONS:
                self.ids.body.add_widget(_button(
                    self.t(f"bank.reason.{reason}"), secondary=True,
                    on_press=lambda r=reason: self._choose_reason(r)))
            self.ids.footer.add_widget(_button(self.t("button.back"), lambda: self.answer("back"), secondary=True))
            return
        self._title("bank.read_title", self.t("bank.read_prompt", party=self._party_text(party)))
        body = self.ids.body
        large = self.app.fs_body * 1.1
        lines = [
            ("bank.field.bank", application.bank_name),
            ("bank.field.application", application.application_id),
            ("bank.field.property", application.property_address),
            ("bank.field.certificate", application.certificate_no),
            ("bank.field.area", self.t("bank.area", area=application.area_m2)),
            ("bank.field.loan", money(application.loan_amount_fen, language)),
            ("bank.field.term", self.t("bank.term", months=application.term_months,
                                       years=round(application.term_months / 12, 1))),
            ("bank.field.parties", "\n".join(self._party_text(p) + "  " + p.id_number_masked
                                             for p in application.parties)),
            ("bank.field.documents", "\n".join(self.t("bank.document", name=d.name, pages=d.pages)
                                               for d in application.documents)),
        ]
        for label_key, value in lines:
            body.add_widget(_label(self.t(label_key), font_size=self.app.fs_small, bold=True,
                                       color=self.app.color_muted))
            body.add_widget(_label(str(value), font_size=large))
        body.add_widget(_label(self.t("bank.statement"), font_size=large, bold=True,
                                   color=self.app.color_primary))
        footer = self.ids.footer
        footer.add_widget(_button(self.t("bank.decline"), lambda: self.answer("decline"), secondary=True))
        footer.add_widget(_button(self.t("bank.agree"), lambda: self.answer("agree")))

    def _choose_reason(self, reason: str | None) -> None:
        """A decline reason chosen (None: back to the reasons): redrawn here, the flow hears only the confirmation."""
        self._declining = reason
        self._shown = None
        self.render(self.app.view)

    # the signature pad
    def _render_sign(self, step, language) -> None:
        self._title("bank.sign_title", self.t("bank.sign_prompt", party=self._party_text(step.party)))
        pad = self._pad
        if pad is None:
            pad = SignaturePad(size_hint_y=None, height=900)
            pad.bind(points=lambda _pad, points: points and self.show_local_hint(None))
        self._pad = pad
        self.ids.body.add_widget(pad)
        footer = self.ids.footer
        footer.add_widget(_button(self.t("bank.clear"), self._clear_pad, secondary=True))
        footer.add_widget(_button(self.t("bank.submit"), self._submit_signature))

    def _clear_pad(self) -> None:
        if self._pad is not None:
            self._pad.clear()
        self.show_local_hint(None)

    def _submit_signature(self) -> None:
        pad = self._pad
        if pad is None:
            return
        if not pad.has_signature():
            self.show_local_hint("bank.sign_first")
            return
        png = pad.png()
        pad.clear()
        self.answer("sign", png)
