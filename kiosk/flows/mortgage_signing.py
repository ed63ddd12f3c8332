"""The mortgage_signing flow: bank staff sign in and pick the prepared application; each party verifies (card + face),
reads it and signs with a finger, or declines with a reason; the signatures and verification results go to the gateway.

The flow runs on a runtime worker and waits for the screen's answers: every step it posts carries `reply`, a
FlowReply the screen calls with the answer (a dict). Each party's card comes from the card reader through
`attach()`; the session leaves card reads to this flow while it runs (kiosk.session.FLOWS_READING_CARDS).
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from kiosk import events as ev
from kiosk.platform_client import PlatformError, PlatformRejected, PlatformUnavailable, new_idempotency_key
from kiosk.privacy import mask_id_number
from kiosk.session import StartVerification

logger = logging.getLogger(__name__)

MAX_PIN_TRIES = 3
MAX_WRONG_CARDS = 4
MAX_SUBMITTED_SHOWN = 10


class FlowCancelled(Exception):
    """The session ended (timeout, cancel, new card): the flow stops quietly."""


class FlowAbandoned(FlowCancelled):
    """The screen's cancel button, or nobody answered in time: the flow ends with an outcome."""


class FlowReply:
    """The screen's way to answer the step on screen; thread-safe, answers to an older step are dropped."""

    def __init__(self):
        self._queue: queue.Queue[tuple[int, dict]] = queue.Queue()
        self.step_no = 0

    def __call__(self, answer: dict) -> None:
        self._queue.put((self.step_no, dict(answer)))

    def next_step(self) -> int:
        self.step_no += 1
        return self.step_no

    def wait(self, cancelled: threading.Event, timeout_s: float) -> dict:
        step, waited = self.step_no, 0.0
        while waited < timeout_s:
            if cancelled.is_set():
                raise FlowCancelled()
            try:
                answered_step, answer = self._queue.get(timeout=0.1)
            except queue.Empty:
                waited += 0.1
                continue
            if answered_step == step:
                if answer.get("action") == "cancel":
                    raise FlowAbandoned()
                return answer
        raise FlowAbandoned()


class CardInbox:
    """Card reads from the card reader, for the flow to take when it asks a party for their card."""

    def __init__(self):
        self._queue: queue.Queue = queue.Queue()

    def on_event(self, event) -> None:
        card = getattr(event, "card", None)
        if card is not None and type(event).__name__ == "CardRead":
            self._queue.put(card)

    def put(self, card) -> None:
        self._queue.put(card)

    def clear(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def wait(self, cancelled: threading.Event, timeout_s: float):
        waited = 0.0
        while waited < timeout_s:
            if cancelled.is_set():
                raise FlowCancelled()
            try:
                return self._queue.get(timeout=0.1)
            except queue.Empty:
                waited += 0.1
        raise FlowAbandoned()


class MortgageSigningFlow:
    def __init__(self, platform, *, bank=None, verifier: Callable | None = None, method: str = "face",
                 answer_timeout_s: float = 120.0, cards: CardInbox | None = None):
        self.platform = platform
        self.bank = bank
        self.verifier = verifier
        self.method = method
        self.answer_timeout_s = answer_timeout_s
        self.cards = cards or CardInbox()

    def attach(self, devices, verifiers: dict, method: str) -> None:
        """Wire the card reader and the runtime's verifier for the site's identity method (kiosk.app does this)."""
        for device in devices:
            if getattr(device, "name", "") == "card_reader":
                device.add_listener(self.cards.on_event)
        self.verifier = verifiers.get(method)
        self.method = method

    def _bank(self):
        from kiosk.bank_client import bank_client_of

        self.bank = bank_client_of(self.platform, self.bank)
        return self.bank

    def __call__(self, ctx) -> None:
        bank = self._bank()
        if bank is None or self.verifier is None:
            ctx.post(ev.FlowFinished("service_unavailable"))
            return
        reply = FlowReply()
        try:
            outcome, data = self._run(ctx, bank, reply)
        except FlowAbandoned:
            logger.info("mortgage signing: cancelled at the terminal")
            ctx.post(ev.FlowUpdate({"step": "finished", "reply": None, "error": None}))
            ctx.post(ev.FlowFinished("mortgage_cancelled"))
            return
        except FlowCancelled:
            logger.info("mortgage signing: ended before completion")
            return
        except PlatformError as exc:
            logger.warning("mortgage signing: platform error %s", exc.message_key)
            ctx.post(ev.FlowUpdate({"step": "finished", "reply": None, "error": exc.message_key}))
            ctx.post(ev.FlowFinished(exc.message_key))
            return
        ctx.post(ev.FlowUpdate({"step": "finished", "reply": None, "error": None, **data}))
        ctx.post(ev.FlowFinished(outcome))

    def _ask(self, ctx, reply: FlowReply, step: str, **data) -> dict:
        reply.next_step()
        ctx.post(ev.FlowUpdate({"step": step, "reply": reply, "error": None, **data}))
        return reply.wait(ctx.cancelled, self.answer_timeout_s)

    def _run(self, ctx, bank, reply: FlowReply) -> tuple[str, dict]:
        staff_token = None
        error = None
        for _ in range(MAX_PIN_TRIES):
            reply.next_step()
            ctx.post(ev.FlowUpdate({"step": "staff_sign_in", "reply": reply, "error": error}))
            answer = reply.wait(ctx.cancelled, self.answer_timeout_s)
            try:
                staff_token = bank.staff_sign_in(str(answer.get("staff_id", "")), str(answer.get("pin", "")))
                break
            except PlatformRejected as exc:
                error = exc.code if exc.code in ("staff_pin_wrong", "staff_locked") else "staff_pin_wrong"
                if exc.code == "staff_locked":
                    break
        if staff_token is None:
            return "mortgage_staff_refused", {}
        while True:
            applications = bank.prepared_applications(staff_token)
            submitted = bank.submitted_applications(staff_token)
            if not applications and not submitted:
                return "mortgage_none_prepared", {}
            # The staff see what is waiting for signatures and how the bank's latest submissions are progressing;
            # the whole list, with deadlines and references, is one tap away.
            answer = self._ask(ctx, reply, "choose_application", applications=tuple(applications),
                               submitted=tuple(submitted[:MAX_SUBMITTED_SHOWN]), submitted_count=len(submitted))
            if answer.get("action") != "submissions":
                break
            self._ask(ctx, reply, "submissions", submitted=tuple(submitted))  # until "back"
        chosen = next((a for a in applications if a["application_id"] == answer.get("application_id")), None)
        if chosen is None:
            return "mortgage_none_prepared", {}
        application_id = chosen["application_id"]
        for party in chosen["parties"]:
            if party["signed"]:
                continue
            token = self._verify_party(ctx, bank, reply, chosen, party)
            if token is None:
                return "mortgage_verification_failed", {"application_id": application_id}
            answer = self._ask(ctx, reply, "read_application", application=chosen, party=party)
            if answer.get("action") == "decline":
                reason = str(answer.get("reason", "")).strip()[:200] or "declined"
                bank.decline(staff_token, token, application_id, reason)
                logger.info("mortgage signing: party %d declined", party["seq"])
                return "mortgage_declined", {"application_id": application_id}
            signature = None
            while not signature:  # the pad sends a drawing; anything else asks again
                answer = self._ask(ctx, reply, "sign", application=chosen, party=party)
                if answer.get("action") == "decline":
                    bank.decline(staff_token, token, application_id,
                                 str(answer.get("reason", "")).strip()[:200] or "declined")
                    return "mortgage_declined", {"application_id": application_id}
                signature = answer.get("signature_png")
                if not isinstance(signature, (bytes, bytearray)):
                    signature = None
            result = self._sign(bank, staff_token, token, application_id, bytes(signature))
            del signature, answer
            logger.info("mortgage signing: party %d signed", party["seq"])
            if result["status"] == "submitted":
                return "mortgage_submitted", {"application_id": application_id, "case_id": result["case_id"],
                                              "reference": result["reference"]}
        return "mortgage_submitted", {"application_id": application_id}

    @staticmethod
    def _sign(bank, staff_token: str, token: str, application_id: str, png: bytes) -> dict:
        """One retry with the same Idempotency-Key if the answer was lost: the gateway applies the key once."""
        key = new_idempotency_key()
        try:
            return bank.sign(staff_token, token, application_id, png, idempotency_key=key)
        except PlatformUnavailable:
            logger.warning("mortgage signing: signature not acknowledged, sending it again")
            return bank.sign(staff_token, token, application_id, png, idempotency_key=key)

    def _verify_party(self, ctx, bank, reply: FlowReply, application: dict, party: dict) -> str | None:
        """Card then face for one party; the applicant token for them, or None if they could not be verified."""
        self.cards.clear()
        error = None
        for _ in range(MAX_WRONG_CARDS):
            reply.next_step()
            ctx.post(ev.FlowUpdate({"step": "party_card", "reply": reply, "party": party, "error": error,
                                    "application": application}))
            card = self.cards.wait(ctx.cancelled, self.answer_timeout_s)
            # The gateway sends only masked numbers; the card read matches the party if its masked form does.
            if getattr(card, "expired", False):
                error, card = "card_expired", None
                continue
            if mask_id_number(card.id_number) == party["id_number_masked"]:
                break
            error, card = "wrong_party", None
        else:
            return None
        if card is None:
            return None
        ctx.post(ev.FlowUpdate({"step": "party_face", "reply": reply, "party": party, "error": None,
                                "verify_guidance": "starting"}))
        result: list[ev.Event] = []

        def post(event: ev.Event) -> None:
            if isinstance(event, ev.VerificationProgress):
                ctx.post(ev.FlowUpdate({"verify_guidance": event.guidance, "verify_seconds_left":
                                        event.seconds_left}))
            elif isinstance(event, (ev.IdentityVerified, ev.VerificationFailed)):
                result.append(event)

        self.verifier(StartVerification(self.method, card), post, ctx.cancelled)
        if ctx.cancelled.is_set():
            raise FlowCancelled()
        outcome = result[-1] if result else ev.VerificationFailed("verification_unavailable")
        verified = isinstance(outcome, ev.IdentityVerified)
        ctx.post(ev.AuditNote("verification", {  # the audit trail records the card as a keyed pseudonym only
            "outcome": "verified" if verified else outcome.reason, "method": self.method,
            "score": outcome.score if verified else None, "flow": "mortgage_signing", "party": party["seq"]},
            card=card))
        if isinstance(outcome, ev.VerificationFailed):
            logger.info("mortgage signing: party %d not verified (%s)", party["seq"], outcome.reason)
            ctx.post(ev.FlowUpdate({"step": "party_failed", "reply": None, "error": outcome.reason}))
            return None
        # With face, the gateway minted the token with its own decision; card-only demo asks for one.
        return outcome.token or bank.issue_applicant_token(card.id_number, outcome.method, outcome.score)
