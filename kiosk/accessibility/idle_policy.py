"""How long each screen waits untouched before the idle warning: a screen that waits for the applicant's phone
(the payment QR code, the e-certificate QR code) waits longer, and says so on screen."""
from __future__ import annotations

# Flow steps during which the applicant is busy with their phone, not with the kiosk (by step class name, so this
# module imports no flow).
PHONE_WAIT_STEPS = frozenset({"WaitingForPayment", "ShowingQr"})


def waits_for_phone(step) -> bool:
    return step is not None and type(step).__name__ in PHONE_WAIT_STEPS


def idle_timeout_for(step, idle_timeout_s: float, phone_idle_timeout_s: float) -> float:
    """Seconds untouched before the idle warning on the screen showing `step` (None: a screen of the core)."""
    if waits_for_phone(step):
        return max(idle_timeout_s, phone_idle_timeout_s)
    return idle_timeout_s
