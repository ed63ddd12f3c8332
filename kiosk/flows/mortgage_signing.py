"""The mortgage_signing flow: bank staff sign in and pick the prepared application; each party verifies (card + face),
reads it and signs with a finger, or declines with a reason; the signatures and verification results go to the gateway.

The flow runs on a runtime worker. It shows typed steps (below) and takes the answers the session delivers
(FlowAnswer, through Runtime.post like every answer): keypad keys for the staff sign-in, the application chosen, agree
or decline, the signature drawn, and each party's card (the session hands card reads to this flow while it runs:
kiosk.session.FLOWS_READING_CARDS).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Callable

from kiosk import events as ev
from kiosk.flows.mortgage_records import Application, Party
from kiosk.platform_client import PlatformError, PlatformRejected, PlatformUnavailable, new_idempotency_key
from kiosk.privacy import mask_id_number
from kiosk.session import StartVerification

logger = logging.getLogger(__name__)

MAX_PIN_TRIES = 3
MAX_WRONG_CARDS = 4
MAX_SUBMITTED_SHOWN = 10
MAX_KEYPAD_DIGITS = 12


class FlowCancelled(Exception):
    """The session ended (timeout, cancel, new card) or left the flow: the flow stops quietly."""


class FlowAbandoned(FlowCancelled):
    """The screen's cancel button, or nobody answered in time: the flow ends with an outcome."""


# -- the steps (the gateway's applications and parties as typed records: kiosk.flows.mortgage_records) ---------
@dataclass(frozen=True, kw_only=True)
class StaffSignIn(ev.FlowStep):
    """The staff number, then the PIN, on a keypad (FlowAnswer key <0-9 | clear | ok>). shown: what the field shows
    (the staff number as typed; the PIN as dots). attempt counts the sign-ins asked for."""

    asking_pin: bool = False
    shown: str = ""
    attempt: int = 0


@dataclass(frozen=True, kw_only=True)
class ChooseApplication(ev.FlowStep):
    """FlowAnswer choose <application_id>, or submissions (the bank's submitted applications)."""

    applications: tuple[Application, ...] = ()
    submitted: tuple[Application, ...] = ()
    submitted_count: int = 0


@dataclass(frozen=True, kw_only=True)
class Submissions(ev.FlowStep):
    """The bank's submitted and declined applications with their progress; FlowAnswer back."""

    submitted: tuple[Application, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PartyCard(ev.FlowStep):
    """This party's ID card, please (message: card_expired, wrong_party)."""

    application: Application
    party: Party


@dataclass(frozen=True, kw_only=True)
class PartyFace(ev.FlowStep):
    """This party's face check, with the verifier's guidance."""

    party: Party
    verify_guidance: str | None = "starting"
    verify_seconds_left: float | None = None


@dataclass(frozen=True, kw_only=True)
class PartyFailed(ev.FlowStep):
    """The party could not be verified (message: why)."""


@dataclass(frozen=True, kw_only=True)
class ReadApplication(ev.FlowStep):
    """The application to read; FlowAnswer agree, or decline (then declining: the reasons; decline <reason> or
    back)."""

    application: Application
    party: Party
    declining: bool = False


@dataclass(frozen=True, kw_only=True)
class Sign(ev.FlowStep):
    """The signature pad; FlowAnswer sign <PNG bytes> (or decline <reason>)."""

    application: Application
    party: Party


@dataclass(frozen=True, kw_only=True)
class Finished(ev.FlowStep):
    """The flow is over (message: the platform error, if one ended it)."""

    application_id: str | None = None
    case_id: str | None = None
    reference: str | None = None


class MortgageSigningFlow:
    def __init__(self, platform, *, bank=None, verifier: Callable | None = None, method: str = "face",
                 answer_timeout_s: float = 120.0):
        self.platform = platform
        self.bank = bank
        self.verifier = verifier
        self.method = method
        self.answer_timeout_s = answer_timeout_s

    def _bank(self):
        from kiosk.bank_client import bank_client_of

        self.bank = bank_client_of(self.platform, self.bank)
        return self.bank

    def __call__(self, ctx) -> None:
        bank = self._bank()
        if bank is None or self.verifier is None:
            ctx.post(ev.FlowFinished("service_unavailable"))
            return
        try:
            outcome, data = self._run(ctx, bank)
        except FlowAbandoned:
            logger.info("mortgage signing: cancelled at the terminal")
            ctx.post(ev.FlowUpdate(Finished()))
            ctx.post(ev.FlowFinished("mortgage_cancelled"))
            return
        except FlowCancelled:
            logger.info("mortgage signing: ended before completion")
            return
        except PlatformError as exc:
            logger.warning("mortgage signing: platform error %s", exc.message_key)
            ctx.post(ev.FlowUpdate(Finished(message=exc.message_key)))
            ctx.post(ev.FlowFinished(exc.message_key))
            return
        ctx.post(ev.FlowUpdate(Finished(**data)))
        ctx.post(ev.FlowFinished(outcome))

    # -- showing a step and waiting for its answer --------------------------------------------------------------
    def _show(self, ctx, step: ev.FlowStep) -> None:
        """A new step: answers given to the one before are dropped."""
        ctx.drop_answers()
        ctx.post(ev.FlowUpdate(step))

    def _answer(self, ctx, *actions: str) -> ev.FlowAnswer:
        """The next answer with one of `actions` (others are ignored). Cancel, or nobody answering within the answer
        timeout, abandons the flow; the session ending or leaving it cancels it."""
        deadline = time.monotonic() + self.answer_timeout_s
        while True:
            left = deadline - time.monotonic()
            answer = ctx.wait_input(left) if left > 0 else None
            if ctx.is_over():
                raise FlowCancelled()
            if answer is None:
                raise FlowAbandoned()
            if answer.action == "cancel":
                raise FlowAbandoned()
            if answer.action in actions:
                return answer

    def _ask(self, ctx, step: ev.FlowStep, *actions: str) -> ev.FlowAnswer:
        self._show(ctx, step)
        return self._answer(ctx, *actions)

    def _keypad(self, ctx, attempt: int, error: str | None) -> tuple[str, str]:
        """The staff number then the PIN, typed key by key; the PIN leaves this worker only for the gateway."""
        staff_id, digits = "", ""
        step = StaffSignIn(message=error, attempt=attempt)
        self._show(ctx, step)
        while True:
            key = self._answer(ctx, "key").value
            if key == "clear":
                digits = ""
            elif key == "ok":
                if not digits:
                    continue
                if staff_id:
                    return staff_id, digits
                staff_id, digits = digits, ""
            elif isinstance(key, str) and len(key) == 1 and key.isdigit() and len(digits) < MAX_KEYPAD_DIGITS:
                digits += key
            else:
                continue
            step = replace(step, asking_pin=bool(staff_id), shown="\u25cf" * len(digits) if staff_id else digits)
            ctx.post(ev.FlowUpdate(step))

    def _sign_in(self, ctx, bank) -> str | None:
        error = None
        for attempt in range(MAX_PIN_TRIES):
            staff_id, pin = self._keypad(ctx, attempt, error)
            try:
                return bank.staff_sign_in(staff_id, pin)
            except PlatformRejected as exc:
                error = exc.code if exc.code in ("staff_pin_wrong", "staff_locked") else "staff_pin_wrong"
                if exc.code == "staff_locked":
                    return None
            finally:
                del pin
        return None

    def _run(self, ctx, bank) -> tuple[str, dict]:
        staff_token = self._sign_in(ctx, bank)
        if staff_token is None:
            return "mortgage_staff_refused", {}
        while True:
            applications = [Application.of(a) for a in bank.prepared_applications(staff_token)]
            submitted = [Application.of(a) for a in bank.submitted_applications(staff_token)]
            if not applications and not submitted:
                return "mortgage_none_prepared", {}
            # The staff see what is waiting for signatures and how the bank's latest submissions are progressing;
            # the whole list, with deadlines and references, is one tap away.
            answer = self._ask(ctx, ChooseApplication(applications=tuple(applications),
                                                      submitted=tuple(submitted[:MAX_SUBMITTED_SHOWN]),
                                                      submitted_count=len(submitted)), "choose", "submissions")
            if answer.action != "submissions":
                break
            self._ask(ctx, Submissions(submitted=tuple(submitted)), "back")
        chosen = next((a for a in applications if a.application_id == answer.value), None)
        if chosen is None:
            return "mortgage_none_prepared", {}
        application_id = chosen.application_id
        for party in chosen.parties:
            if party.signed:
                continue
            token = self._verify_party(ctx, bank, chosen, party)
            if token is None:
                return "mortgage_verification_failed", {"application_id": application_id}
            reason = self._read(ctx, chosen, party)
            if reason is not None:
                bank.decline(staff_token, token, application_id, reason)
                logger.info("mortgage signing: party %d declined", party.seq)
                return "mortgage_declined", {"application_id": application_id}
            answer = self._ask(ctx, Sign(application=chosen, party=party), "sign", "decline")
            while not (answer.action == "decline" and answer.value) and \
                    not (answer.action == "sign" and isinstance(answer.value, (bytes, bytearray)) and answer.value):
                answer = self._answer(ctx, "sign", "decline")  # the pad sends a drawing; anything else asks again
            if answer.action == "decline":
                bank.decline(staff_token, token, application_id, _reason(answer.value))
                return "mortgage_declined", {"application_id": application_id}
            result = self._sign(bank, staff_token, token, application_id, bytes(answer.value))
            del answer
            logger.info("mortgage signing: party %d signed", party.seq)
            if result["status"] == "submitted":
                return "mortgage_submitted", {"application_id": application_id, "case_id": result["case_id"],
                                              "reference": result["reference"]}
        return "mortgage_submitted", {"application_id": application_id}

    def _read(self, ctx, application: Application, party: Party) -> str | None:
        """The party reads the application: None when they agree, else their reason to decline."""
        step = ReadApplication(application=application, party=party)
        self._show(ctx, step)
        while True:
            answer = self._answer(ctx, "agree", "decline", "back")
            if answer.action == "agree" and not step.declining:
                return None
            if answer.action == "decline" and answer.value:
                return _reason(answer.value)
            declining = answer.action == "decline"
            if declining != step.declining:  # the reasons to choose from, or back to the text
                step = replace(step, declining=declining)
                ctx.post(ev.FlowUpdate(step))

    @staticmethod
    def _sign(bank, staff_token: str, token: str, application_id: str, png: bytes) -> dict:
        """One retry with the same Idempotency-Key if the answer was lost: the gateway applies the key once."""
        key = new_idempotency_key()
        try:
            return bank.sign(staff_token, token, application_id, png, idempotency_key=key)
        except PlatformUnavailable:
            logger.warning("mortgage signing: signature not acknowledged, sending it again")
            return bank.sign(staff_token, token, application_id, png, idempotency_key=key)

    def _verify_party(self, ctx, bank, application: Application, party: Party) -> str | None:
        """Card then face for one party; the applicant token for them, or None if they could not be verified."""
        error = None
        for _ in range(MAX_WRONG_CARDS):
            card = self._ask(ctx, PartyCard(application=application, party=party, message=error), "card").value
            # The gateway sends only masked numbers; the card read matches the party if its masked form does.
            if getattr(card, "expired", False):
                error, card = "card_expired", None
                continue
            if mask_id_number(getattr(card, "id_number", "")) == party.id_number_masked:
                break
            error, card = "wrong_party", None
        else:
            return None
        if card is None:
            return None
        face = PartyFace(party=party)
        ctx.post(ev.FlowUpdate(face))
        result: list[ev.Event] = []

        def post(event: ev.Event) -> None:
            nonlocal face
            if isinstance(event, ev.VerificationProgress):
                face = replace(face, verify_guidance=event.guidance, verify_seconds_left=event.seconds_left)
                ctx.post(ev.FlowUpdate(face))
            elif isinstance(event, (ev.IdentityVerified, ev.VerificationFailed)):
                result.append(event)

        self.verifier(StartVerification(self.method, card), post, ctx.cancelled)
        if ctx.cancelled.is_set():
            raise FlowCancelled()
        outcome = result[-1] if result else ev.VerificationFailed("verification_unavailable")
        verified = isinstance(outcome, ev.IdentityVerified)
        ctx.post(ev.AuditNote("verification", {  # the audit trail records the card as a keyed pseudonym only
            "outcome": "verified" if verified else outcome.reason, "method": self.method,
            "score": outcome.score if verified else None, "flow": "mortgage_signing", "party": party.seq},
            card=card))
        if isinstance(outcome, ev.VerificationFailed):
            logger.info("mortgage signing: party %d not verified (%s)", party.seq, outcome.reason)
            ctx.post(ev.FlowUpdate(PartyFailed(message=outcome.reason)))
            return None
        return bank.issue_applicant_token(card.id_number, outcome.method, outcome.score)


def _reason(value) -> str:
    return str(value or "").strip()[:200] or "declined"
