"""The capture pipeline of a document camera: find the page, correct perspective, even the light, judge the shot.

A frame goes in; either a flat, cropped, evenly lit page comes out, or a plain reason why the shot cannot be used
(no page, cut off, blurred, glare). Pages are kept only in memory; nothing here writes or logs an image.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np

logger = logging.getLogger(__name__)

# The corrected page keeps about the resolution the camera saw it at (no invented detail), within these bounds.
MIN_HEIGHT, MAX_HEIGHT = 600, 1800


class Rejection(StrEnum):
    """Why a capture was refused; each is a message key (catalog/application.py) the applicant reads."""

    NO_PAGE = "capture_no_page"
    CUT_OFF = "capture_cut_off"
    BLURRED = "capture_blurred"
    GLARE = "capture_glare"


@dataclass(frozen=True)
class CaptureLimits:
    """What a usable shot is. Measured on the simulator's generated photos (tests/peripherals/document_camera)."""

    min_page_share: float = 0.15     # the page covers at least this share of the frame
    edge_margin_px: int = 4          # a corner this close to the frame's border is cut off
    min_sharpness: float = 60.0      # variance of the Laplacian on the corrected page (gray, before evening)
    max_glare_share: float = 0.004   # share of blown-out pixels on the page
    min_page_contrast: float = 40.0  # grey levels between the page and the desk around it
    steady_px: float = 6.0           # corners moving less than this between frames: the page lies still


@dataclass(frozen=True, eq=False)
class Capture:
    """The result of one frame: the corrected page (BGR) or the rejection, and the page's corners in the frame."""

    page: np.ndarray | None
    rejection: Rejection | None
    corners: np.ndarray | None = None
    sharpness: float = 0.0
    glare_share: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.rejection is None

    def __repr__(self) -> str:  # never pixels in a log line
        return f"Capture(rejection={self.rejection}, sharpness={self.sharpness:.0f}, glare={self.glare_share:.4f})"


def order_corners(points: np.ndarray) -> np.ndarray:
    """tl, tr, br, bl from four points in any order."""
    points = points.reshape(4, 2).astype(np.float32)
    total = points.sum(axis=1)
    diff = np.diff(points, axis=1).ravel()
    return np.float32([points[np.argmin(total)], points[np.argmin(diff)], points[np.argmax(total)],
                       points[np.argmax(diff)]])


def find_page(frame: np.ndarray, limits: CaptureLimits = CaptureLimits()) -> np.ndarray | None:
    """The page's four corners (tl, tr, br, bl) in the frame, or None when no page-sized quadrilateral is there."""
    scale = 800 / max(frame.shape[:2])  # find edges on a small copy: faster, and text does not make edges
    small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    # The page is much brighter than the desk, even in its shadowed corner: Otsu's threshold separates them.
    _, mask = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    largest = max(contours, key=cv2.contourArea)
    if cv2.contourArea(largest) < limits.min_page_share * gray.size:
        return None
    # An empty desk also splits in two under Otsu (its noise); a page is clearly brighter than what is around it.
    inside, outside = gray[mask > 0], gray[mask == 0]
    if outside.size and float(inside.mean()) - float(outside.mean()) < limits.min_page_contrast:
        return None
    hull = cv2.convexHull(largest)
    quad = None
    for share in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, share * cv2.arcLength(hull, True), True)
        if len(approx) == 4:
            quad = approx
            break
    if quad is None:
        # A page cut by the frame's border has five or more corners: use the tightest rectangle around it.
        quad = cv2.boxPoints(cv2.minAreaRect(hull))
    return order_corners(np.asarray(quad, np.float32) / scale)


def _cut_off(corners: np.ndarray, frame: np.ndarray, margin: int) -> bool:
    height, width = frame.shape[:2]
    xs, ys = corners[:, 0], corners[:, 1]
    return bool(xs.min() < margin or ys.min() < margin or xs.max() > width - 1 - margin
                or ys.max() > height - 1 - margin)


def flatten(frame: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Perspective-corrected, deskewed and cropped page; portrait, its size from the page's own side lengths."""
    tl, tr, br, bl = corners
    page_w = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    page_h = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    height = int(np.clip(round(max(page_w, page_h)), MIN_HEIGHT, MAX_HEIGHT)) if page_h >= page_w else \
        int(np.clip(round(page_h), MIN_HEIGHT // 2, MAX_HEIGHT))
    width = max(1, int(round(height * page_w / max(page_h, 1))))
    target = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    page = cv2.warpPerspective(frame, matrix, (width, height), flags=cv2.INTER_LINEAR)
    if width > height:  # a page put down sideways is turned upright
        page = cv2.rotate(page, cv2.ROTATE_90_CLOCKWISE)
    return page


def even_light(page: np.ndarray) -> np.ndarray:
    """Divide out the illumination (the page's background estimated by a closing wider than any stroke)."""
    # The light changes slowly across a page: estimate it on a quarter-size copy (16x fewer pixels), then scale up.
    small = cv2.resize(page, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    background = cv2.GaussianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel), (0, 0), 4)
    background = cv2.resize(background, (page.shape[1], page.shape[0]), interpolation=cv2.INTER_LINEAR)
    evened = page.astype(np.float32) / np.maximum(background.astype(np.float32), 1) * 245
    return np.clip(evened, 0, 255).astype(np.uint8)


def sharpness_of(page: np.ndarray) -> float:
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def glare_share_of(page: np.ndarray) -> float:
    """Share of blown-out pixels: every channel at the top of the range, in blobs (not single hot pixels)."""
    blown = (page.min(axis=2) >= 252).astype(np.uint8)
    blown = cv2.morphologyEx(blown, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return float(blown.mean())


def process(frame: np.ndarray, limits: CaptureLimits = CaptureLimits(), corners: np.ndarray | None = None) -> Capture:
    """One frame through the whole pipeline (`corners`: the page already found in this frame by find_page)."""
    corners = corners if corners is not None else find_page(frame, limits)
    if corners is None:
        return Capture(None, Rejection.NO_PAGE)
    if _cut_off(corners, frame, limits.edge_margin_px):
        return Capture(None, Rejection.CUT_OFF, corners)
    page = flatten(frame, corners)
    sharpness = sharpness_of(page)
    glare = glare_share_of(page)
    if glare > limits.max_glare_share:
        return Capture(None, Rejection.GLARE, corners, sharpness, glare)
    if sharpness < limits.min_sharpness:
        return Capture(None, Rejection.BLURRED, corners, sharpness, glare)
    return Capture(even_light(page), None, corners, sharpness, glare)


def steady(previous: np.ndarray | None, current: np.ndarray | None, limits: CaptureLimits = CaptureLimits()) -> bool:
    """The page has stopped moving: its corners are where they were in the previous frame."""
    if previous is None or current is None:
        return False
    return float(np.abs(previous - current).max()) <= limits.steady_px


def encode_page(page: np.ndarray, quality: int = 80) -> bytes:
    """The stored form of an accepted page: grayscale JPEG (an evened page is nearly all white: small)."""
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    ok, data = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("page could not be encoded")
    return data.tobytes()


def thumbnail(page_jpeg: bytes, height: int = 240) -> bytes:
    """A small PNG of a stored page for the review screen."""
    image = cv2.imdecode(np.frombuffer(page_jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    width = max(1, int(image.shape[1] * height / image.shape[0]))
    ok, data = cv2.imencode(".png", cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA))
    return data.tobytes()


def pages_to_pdf(pages_jpeg: list[bytes], dpi: int = 120) -> bytes:
    """One PDF of the material's pages; img2pdf embeds each JPEG as it is (no re-encoding, no quality loss)."""
    import img2pdf

    if not pages_jpeg:
        raise ValueError("a material needs at least one page")
    layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    return img2pdf.convert([io.BytesIO(p) for p in pages_jpeg], layout_fun=layout)
