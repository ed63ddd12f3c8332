"""The mortgage signing screen (bank service point): staff PIN, application choice, party card and face prompts,
the application to read (scrollable, large type), the signature pad, and a decline with its reason.

It renders the flow's current step (view.flow_data["step"]) and answers through view.flow_data["reply"].
"""
from __future__ import annotations

import logging

from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from catalog import i18n
from screens.base import BaseScreen, KioskButton, KioskLabel
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


class BankSigningScreen(BaseScreen):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._shown: tuple | None = None
        self._step: str | None = None
        self._reply_no: int | None = None
        self._digits = ""
        self._staff_id = ""
        self._declining = False
        self._pad: SignaturePad | None = None
        self._guidance: KioskLabel | None = None
        self._reply = None

    # -- answers ---------------------------------------------------------------------------------------------
    def answer(self, **answer) -> None:
        if self._reply is not None:
            self._reply(answer)

    def deactivate(self) -> None:
        # The body may show the application and a signature: drop them when the screen goes.
        self._shown = self._step = self._reply_no = None
        self._reply = None
        self._pad = None
        self._digits = self._staff_id = ""
        self._declining = False
        self.ids.body.clear_widgets()
        self.ids.footer.clear_widgets()

    # -- rendering -------------------------------------------------------------------------------------------
    def render(self, view) -> None:
        data = view.flow_data
        step = data.get("step") or "starting"
        self._reply = data.get("reply")
        language = self.app.language
        error = data.get("error")
        self.ids.message.text = self.app.message(error) if error else self.app.message(view.message)
        if step == "party_face" and self._guidance is not None:  # guidance changes often: update in place
            guidance = data.get("verify_guidance")
            self._guidance.text = self.app.message(guidance) if guidance else self.t("verify.reading")
        key = (step, language, self._declining, id(data.get("application")), data.get("party", {}).get("seq"),
               self._reply.step_no if self._reply is not None else None)
        if key == self._shown and step != "staff_sign_in":
            return
        same_step = step == self._step and self._reply_no == key[-1]
        keep_pad = self._pad if step == "sign" and same_step else None  # a language switch keeps the strokes
        if step != self._step or (self._reply_no != key[-1] and step == "staff_sign_in"):
            self._digits = ""  # a new step, or the sign-in asked again after a wrong PIN
            self._staff_id = ""
        self._step, self._reply_no = step, key[-1]
        self._shown = key
        body, footer = self.ids.body, self.ids.footer
        body.clear_widgets()
        footer.clear_widgets()
        self._pad = keep_pad
        self._guidance = None
        getattr(self, f"_render_{step}", self._render_waiting)(data, language)
        self.ids.scroll.do_scroll_y = step != "sign"  # on the pad a finger writes, it does not scroll
        self.ids.scroll.scroll_y = 1

    def _title(self, title_key: str, prompt: str = "") -> None:
        self.ids.title.text = self.t(title_key)
        self.ids.prompt.text = prompt

    def _cancel_button(self) -> None:
        self.ids.footer.add_widget(_button(self.t("bank.cancel"), lambda: self.answer(action="cancel"),
                                           secondary=True))

    def _render_waiting(self, data, language) -> None:
        self._title("bank.title", self.t("bank.please_wait"))

    def _render_finished(self, data, language) -> None:
        self._title("bank.title", "")

    def _render_party_failed(self, data, language) -> None:
        self._title("bank.title", "")

    # staff sign-in: staff number, then PIN, on a keypad
    def _render_staff_sign_in(self, data, language) -> None:
        asking_pin = bool(self._staff_id)
        self._title("bank.staff_title", self.t("bank.enter_pin" if asking_pin else "bank.enter_staff_no"))
        shown = "●" * len(self._digits) if asking_pin else self._digits
        field = _label(shown or " ", font_size=self.app.fs_huge, halign="center", bold=True)
        self.ids.body.add_widget(field)
        grid = GridLayout(cols=3, spacing=24, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for label in ("1", "2", "3", "4", "5", "6", "7", "8", "9"):
            grid.add_widget(_button(label, lambda d=label: self._press(d), secondary=True))
        grid.add_widget(_button(self.t("bank.key_clear"), lambda: self._press("clear"), secondary=True))
        grid.add_widget(_button("0", lambda: self._press("0"), secondary=True))
        grid.add_widget(_button(self.t("bank.key_ok"), lambda: self._press("ok")))
        self.ids.body.add_widget(grid)
        self._cancel_button()

    def _press(self, key: str) -> None:
        if key == "clear":
            self._digits = ""
        elif key == "ok":
            if not self._digits:
                return
            if not self._staff_id:
                self._staff_id, self._digits = self._digits, ""
            else:
                staff_id, pin = self._staff_id, self._digits
                self._staff_id = self._digits = ""
                self.answer(staff_id=staff_id, pin=pin)
        elif len(self._digits) < 12:
            self._digits += key
        self._shown = None
        if self.app.view is not None:
            self.render(self.app.view)

    # choosing the application
    def _render_choose_application(self, data, language) -> None:
        self._title("bank.choose_title", self.t("bank.choose_prompt"))
        for application in data.get("applications", ()):
            parties = " / ".join(p["name_masked"] for p in application["parties"])
            text = self.t("bank.application_line", application_id=application["application_id"],
                          amount=money(application["loan_amount_fen"], language), parties=parties)
            button = _button(text, lambda a=application["application_id"]: self.answer(application_id=a),
                             secondary=True, font_size=self.app.fs_body)
            button.height = self.app.button_height * 1.4
            self.ids.body.add_widget(button)
        submitted = data.get("submitted", ())
        if submitted:
            self.ids.body.add_widget(_label(self.t("bank.submitted_title"), bold=True,
                                                font_size=self.app.fs_body))
        for application in submitted:
            self.ids.body.add_widget(_label(self._submitted_line(application, language),
                                                font_size=self.app.fs_small))
        if submitted:
            self.ids.body.add_widget(_button(self.t("bank.submissions_button", count=data.get("submitted_count", 0)),
                                             lambda: self.answer(action="submissions"), secondary=True))
        self._cancel_button()

    # the bank's submitted and declined applications, with the registration's progress and deadline
    def _render_submissions(self, data, language) -> None:
        self._title("bank.submissions_title", self.t("bank.submissions_prompt"))
        for application in data.get("submitted", ()):
            details = [self._submitted_line(application, language)]
            if application.get("deadline") and application.get("status") == "submitted":
                details.append(self.t("bank.deadline", deadline=str(application["deadline"])[:10]))
            if application.get("reference"):
                details.append(self.t("bank.reference", reference=application["reference"]))
            details.append(" / ".join(self._party_text(p) for p in application.get("parties", ())))
            self.ids.body.add_widget(_label("\n".join(details), font_size=self.app.fs_small))
        self.ids.footer.add_widget(_button(self.t("button.back"), lambda: self.answer(action="back"),
                                           secondary=True))

    def _submitted_line(self, application: dict, language: str) -> str:
        if application.get("status") == "declined":
            state = self.t("bank.declined_because", reason=application.get("decline_reason") or "")
        else:
            status = application.get("case_status") or "received"
            key = f"status.{status}"
            state = i18n.text(key, language) if key in i18n.CATALOG else status
            days = application.get("working_days_left")
            if days is not None and days > 0:
                state += "  " + i18n.text("cases.days_left", language, days=days)
        return f"{application.get('application_id', '')}  {state}"

    def _party_text(self, party: dict) -> str:
        role = self.t(f"bank.role.{party.get('role', 'mortgagor')}")
        separator = " " if self.app.language == "en" else ""
        return f"{role}{separator}{party.get('name_masked', '')}"

    def _render_party_card(self, data, language) -> None:
        party = data.get("party", {})
        self._title("bank.card_title", self.t("bank.card_prompt", party=self._party_text(party)))
        from kivy.factory import Factory

        self.ids.body.add_widget(Widget(size_hint_y=None, height=80))
        self.ids.body.add_widget(Factory.CardPicture())
        self._cancel_button()

    def _render_party_face(self, data, language) -> None:
        party = data.get("party", {})
        self.ids.title.text = self.t("bank.face_title", party=self._party_text(party))
        self.ids.prompt.text = ""
        guidance = data.get("verify_guidance")
        self._guidance = _label(self.app.message(guidance) if guidance else self.t("verify.reading"),
                                    font_size=self.app.fs_title, bold=True, halign="center",
                                    color=self.app.color_primary)
        self.ids.body.add_widget(Widget(size_hint_y=None, height=200))
        self.ids.body.add_widget(self._guidance)

    # reading the application, large type, scrollable
    def _render_read_application(self, data, language) -> None:
        application, party = data.get("application", {}), data.get("party", {})
        if self._declining:
            self._title("bank.decline_title", self.t("bank.decline_prompt"))
            for reason in DECLINE_REASONS:
                self.ids.body.add_widget(_button(
                    self.t(f"bank.reason.{reason}"), secondary=True,
                    on_press=lambda r=reason: self.answer(action="decline",
                                                          reason=i18n.text(f"bank.reason.{r}", "zh_CN"))))
            self.ids.footer.add_widget(_button(self.t("button.back"), self._stop_declining, secondary=True))
            return
        self._title("bank.read_title", self.t("bank.read_prompt", party=self._party_text(party)))
        body = self.ids.body
        large = self.app.fs_body * 1.1
        lines = [
            ("bank.field.bank", application.get("bank_name", "")),
            ("bank.field.application", application.get("application_id", "")),
            ("bank.field.property", application.get("property_address", "")),
            ("bank.field.certificate", application.get("certificate_no", "")),
            ("bank.field.area", self.t("bank.area", area=application.get("area_m2", ""))),
            ("bank.field.loan", money(application.get("loan_amount_fen", 0), language)),
            ("bank.field.term", self.t("bank.term", months=application.get("term_months", 0),
                                       years=round(application.get("term_months", 0) / 12, 1))),
            ("bank.field.parties", "\n".join(self._party_text(p) + "  " + p["id_number_masked"]
                                             for p in application.get("parties", ()))),
            ("bank.field.documents", "\n".join(self.t("bank.document", name=d["name"], pages=d["pages"])
                                               for d in application.get("documents", ()))),
        ]
        for label_key, value in lines:
            body.add_widget(_label(self.t(label_key), font_size=self.app.fs_small, bold=True,
                                       color=self.app.color_muted))
            body.add_widget(_label(str(value), font_size=large))
        body.add_widget(_label(self.t("bank.statement"), font_size=large, bold=True,
                                   color=self.app.color_primary))
        footer = self.ids.footer
        footer.add_widget(_button(self.t("bank.decline"), self._start_declining, secondary=True))
        footer.add_widget(_button(self.t("bank.agree"), lambda: self.answer(action="sign")))

    def _start_declining(self) -> None:
        self._declining = True
        self._shown = None
        self.render(self.app.view)

    def _stop_declining(self) -> None:
        self._declining = False
        self._shown = None
        self.render(self.app.view)

    # the signature pad
    def _render_sign(self, data, language) -> None:
        party = data.get("party", {})
        self._title("bank.sign_title", self.t("bank.sign_prompt", party=self._party_text(party)))
        self._declining = False
        pad = self._pad
        if pad is None:
            pad = SignaturePad(size_hint_y=None, height=900)
            pad.bind(points=lambda _pad, points: points and setattr(self.ids.message, "text", ""))
        self._pad = pad
        self.ids.body.add_widget(pad)
        footer = self.ids.footer
        footer.add_widget(_button(self.t("bank.clear"), self._clear_pad, secondary=True))
        footer.add_widget(_button(self.t("bank.submit"), self._submit_signature))

    def _clear_pad(self) -> None:
        if self._pad is not None:
            self._pad.clear()
        self.ids.message.text = ""

    def _submit_signature(self) -> None:
        pad = self._pad
        if pad is None:
            return
        if not pad.has_signature():
            self.ids.message.text = self.t("bank.sign_first")
            return
        png = pad.png()
        pad.clear()
        self.answer(action="sign", signature_png=png)
