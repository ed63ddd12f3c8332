"""The session's accessibility part: the on-screen 长辈模式 switch and the speech volume, per applicant session.

长辈模式 (elderly mode) is large text, high contrast and slower speech together. It is switched on the attract screen
or in any flow without ending the session, and goes back to the site's default when the session ends (or when the
attract screen is left alone): the next person starts from the site's setting. The volume is the kiosk's, kept
across sessions (a loud hall stays loud), within VOLUME_MIN..VOLUME_MAX.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk import events as ev
from kiosk.session import ANY, Command, Session, State

logger = logging.getLogger(__name__)

VOLUME_MIN, VOLUME_MAX, VOLUME_STEP = 20, 200, 30  # espeak-ng amplitude; 100 is its default


@dataclass(frozen=True)
class ElderlyModeChanged(ev.Event):
    """The 长辈模式 switch: on, off, or (on=None) toggled."""

    on: bool | None = None


@dataclass(frozen=True)
class SpeechVolumeChanged(ev.Event):
    """The volume buttons: step +1 (louder) or -1 (softer)."""

    step: int = 0


class AccessibilityPart:
    def __init__(self, *, elderly: bool = False, volume: int = 100):
        self.default_elderly = elderly
        self.elderly = elderly
        self.volume = max(VOLUME_MIN, min(VOLUME_MAX, volume))

    def transitions(self) -> list:
        return [(ANY, ElderlyModeChanged, self._elderly), (ANY, SpeechVolumeChanged, self._volume)]

    def is_empty(self) -> bool:
        return True  # a display preference is nobody's personal data

    def scrub(self) -> None:
        pass

    def reset(self) -> None:
        self.elderly = self.default_elderly

    def view_fields(self) -> dict:
        return {"elderly": self.elderly, "speech_volume": self.volume}

    def tick(self, session: Session, now: float) -> list[Command] | None:
        # Someone switched elderly mode on the attract screen and walked away: the next person gets the default.
        if session.state == State.ATTRACT and self.elderly != self.default_elderly \
                and now - session.last_activity >= session.idle_timeout_s:
            self.elderly = self.default_elderly
        return None

    def _elderly(self, session: Session, event: ElderlyModeChanged) -> list[Command]:
        self.elderly = (not self.elderly) if event.on is None else bool(event.on)
        logger.info("elderly mode %s", "on" if self.elderly else "off")
        session.touch()  # at the attract screen too: the switch's idle time counts from here
        return []

    def _volume(self, session: Session, event: SpeechVolumeChanged) -> list[Command]:
        step = (event.step > 0) - (event.step < 0)
        self.volume = max(VOLUME_MIN, min(VOLUME_MAX, self.volume + step * VOLUME_STEP))
        return session.activity(event)
