"""One material's pages under the document camera: wait for a page to lie still, keep pages, retake, make the PDF."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

import numpy as np

from peripherals.document_camera.capture import (Capture, CaptureLimits, Rejection, encode_page, find_page,
                                                 pages_to_pdf, process, steady, thumbnail)

logger = logging.getLogger(__name__)


class PageWatcher:
    """Fed the camera's frames one by one; says when a page was put down, lies still and makes a usable capture.

    feed() returns the accepted Capture once per page put down (the page must be lifted before the next one is
    taken), or None while waiting; `rejection` holds the reason the latest still
    page was refused (for the screen's plain message), None while nothing lies still.
    """

    def __init__(self, limits: CaptureLimits = CaptureLimits()):
        self.limits = limits
        self._previous: np.ndarray | None = None
        self._taken = False  # this page was accepted: the next capture waits until it is lifted
        self.rejection: Rejection | None = None

    def feed(self, frame: np.ndarray) -> Capture | None:
        # Only the page's corners for a frame in which it may still move (cheap, on a small copy); the whole pipeline
        # runs once it lies still.
        corners = find_page(frame, self.limits)
        still = steady(self._previous, corners, self.limits)
        self._previous = corners
        if corners is None:
            self.rejection = None
            self._taken = False
            return None
        if self._taken or not still:
            return None  # already taken, or still moving: say nothing yet
        capture = process(frame, self.limits, corners)
        if capture.accepted:
            self.rejection = None
            self._taken = True
            return capture
        self.rejection = capture.rejection
        return None


@dataclass
class MaterialPages:
    """The pages captured for one material of the checklist, in order, as stored JPEG bytes."""

    code: str
    min_pages: int = 1
    max_pages: int = 10
    pages: list[bytes] = field(default_factory=list)

    def add(self, capture: Capture) -> int:
        if not capture.accepted:
            raise ValueError(f"a refused capture cannot be kept ({capture.rejection})")
        if len(self.pages) >= self.max_pages:
            raise ValueError(f"material {self.code} has at most {self.max_pages} pages")
        self.pages.append(encode_page(capture.page))
        return len(self.pages) - 1

    def retake(self, index: int, capture: Capture) -> None:
        if not 0 <= index < len(self.pages):
            raise IndexError(f"material {self.code} has no page {index + 1}")
        if not capture.accepted:
            raise ValueError(f"a refused capture cannot be kept ({capture.rejection})")
        self.pages[index] = encode_page(capture.page)

    def remove(self, index: int) -> None:
        del self.pages[index]

    @property
    def complete(self) -> bool:
        return self.min_pages <= len(self.pages) <= self.max_pages

    def thumbnails(self) -> list[bytes]:
        return [thumbnail(page) for page in self.pages]

    def pdf(self) -> bytes:
        return pages_to_pdf(self.pages)

    def clear(self) -> None:
        """Session end: the applicant's papers leave memory."""
        self.pages.clear()


def content_hash(data: bytes) -> str:
    """The hash an upload is verified by."""
    return hashlib.sha256(data).hexdigest()
