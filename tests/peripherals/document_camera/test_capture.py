"""The document camera's capture pipeline on generated document photos: edges found, skew corrected, bad shots refused."""
from __future__ import annotations

import cv2
import numpy as np
import pikepdf
import pytest

from peripherals.camera.device import Camera
from peripherals.document_camera.capture import Rejection, even_light, flatten, process
from peripherals.document_camera.material import MaterialPages, PageWatcher, content_hash
from peripherals.document_camera.simulator import (Shot, corners_of, empty_desk, photograph, placement_frames,
                                                   render_page, write_video)
from tests.waiting import wait_for

FRAME = (1600, 1200)


@pytest.fixture(scope="module")
def page():
    return render_page(seed=3)


def _corner_error(found: np.ndarray, truth: np.ndarray) -> float:
    """Largest distance from a true corner to the nearest found one (the order depends on the page's rotation)."""
    return max(float(np.min(np.linalg.norm(found - corner, axis=1))) for corner in truth)


@pytest.mark.parametrize("shot", [Shot(), Shot(angle_deg=12, tilt=0.12, light=0.8, blur=0.8),
                                  Shot(angle_deg=-18, tilt=0.2, light=1.0, blur=1.0, scale=0.7),
                                  Shot(angle_deg=90, scale=0.6), Shot(angle_deg=5, shift=(0.1, -0.05), scale=0.6)],
                         ids=["straight", "skewed_shadowed", "tilted_dark", "sideways", "off_centre"])
def test_page_edges_are_found_and_the_page_comes_out_upright_and_flat(page, shot):
    frame = photograph(page, shot, FRAME)
    capture = process(frame)
    assert capture.accepted, capture
    truth = corners_of(shot, FRAME, (page.shape[1], page.shape[0]))
    assert _corner_error(capture.corners, truth) < 0.01 * FRAME[0]
    height, width = capture.page.shape[:2]
    assert height > width  # portrait, as the page is
    assert abs(width / height - page.shape[1] / page.shape[0]) < 0.05 + shot.tilt / 2
    # Deskewed and cropped: the page matches the page that was photographed, pixel for pixel (rotated 180 degrees it
    # would not, nor would a page shifted by a table row).
    found = cv2.resize(cv2.cvtColor(capture.page, cv2.COLOR_BGR2GRAY), (page.shape[1], page.shape[0]))
    truth_gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    upright, upside_down = _correlation(found, truth_gray), _correlation(found, cv2.rotate(truth_gray, cv2.ROTATE_180))
    if shot.angle_deg == 90:
        # A page put down sideways is turned portrait; which way up needs the text's direction, not built: either.
        upright, upside_down = max(upright, upside_down), min(upright, upside_down)
    assert upright > 0.75
    assert upside_down < 0.5
    assert _correlation(found, np.roll(truth_gray, 70, axis=0)) < 0.6


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a = cv2.GaussianBlur(a.astype(np.float32), (0, 0), 2).ravel()
    b = cv2.GaussianBlur(b.astype(np.float32), (0, 0), 2).ravel()
    return float(np.corrcoef(a, b)[0, 1])


def test_uneven_light_is_evened_out(page):
    frame = photograph(page, Shot(angle_deg=8, light=1.0), FRAME)
    corners = process(frame).corners
    raw = cv2.cvtColor(flatten(frame, corners), cv2.COLOR_BGR2GRAY).astype(float)
    evened = cv2.cvtColor(even_light(flatten(frame, corners)), cv2.COLOR_BGR2GRAY).astype(float)
    # Paper (the bright pixels) in the top-left and bottom-right quarters: the shadow's two ends.
    def paper(image, rows, cols):
        part = image[rows, cols]
        return float(np.percentile(part, 90))
    h, w = raw.shape
    top_left, bottom_right = (slice(0, h // 4), slice(0, w // 4)), (slice(3 * h // 4, h), slice(3 * w // 4, w))
    raw_gap = paper(raw, *top_left) - paper(raw, *bottom_right)
    evened_gap = paper(evened, *top_left) - paper(evened, *bottom_right)
    assert raw_gap > 40
    assert abs(evened_gap) < 10


@pytest.mark.parametrize("shot, rejection", [
    (Shot(angle_deg=7, blur=3.0), Rejection.BLURRED),
    (Shot(angle_deg=-4, blur=2.2, light=0.5), Rejection.BLURRED),
    (Shot(angle_deg=-5, glare=0.8), Rejection.GLARE),
    (Shot(angle_deg=3, glare=0.35), Rejection.GLARE),
    (Shot(angle_deg=5, shift=(0.3, 0.0)), Rejection.CUT_OFF),
    (Shot(scale=0.98, angle_deg=-20), Rejection.CUT_OFF),
], ids=["blurred", "slightly_blurred_shadowed", "glare", "small_glare", "off_the_side", "too_big"])
def test_a_bad_shot_is_refused_with_its_reason(page, shot, rejection):
    capture = process(photograph(page, shot, FRAME))
    assert capture.rejection is rejection
    assert capture.page is None


def test_an_empty_desk_is_no_page():
    assert process(empty_desk(FRAME)).rejection is Rejection.NO_PAGE


def test_every_rejection_has_a_plain_message_in_both_languages():
    from catalog.i18n import CATALOG

    for rejection in Rejection:
        zh, en = CATALOG[rejection.value]
        assert zh and en and "capture" not in en


def test_the_watcher_waits_for_the_page_to_lie_still_then_accepts_it_once(page):
    frames = placement_frames(page, Shot(angle_deg=10, tilt=0.1, light=0.6), FRAME, seed=5)
    watcher = PageWatcher()
    accepted = [i for i, frame in enumerate(frames) if watcher.feed(frame) is not None]
    # 3 desk frames, 4 sliding in: the first still frame only tells the page stopped; the second is taken.
    assert accepted == [8]


def test_the_watcher_names_the_problem_of_a_still_but_blurred_page(page):
    watcher = PageWatcher()
    for frame in placement_frames(page, Shot(angle_deg=10, blur=3.0), FRAME, seed=6):
        assert watcher.feed(frame) is None
    assert watcher.rejection is Rejection.BLURRED


def test_several_pages_a_retake_thumbnails_and_one_pdf(page):
    material = MaterialPages("certificate_original", min_pages=2, max_pages=3)
    first = process(photograph(page, Shot(angle_deg=6), FRAME))
    second = process(photograph(render_page("第二页（演示）", seed=9), Shot(angle_deg=-9, light=0.7), FRAME))
    material.add(first)
    assert not material.complete
    material.add(second)
    assert material.complete
    with pytest.raises(ValueError, match="refused"):
        material.retake(1, process(photograph(page, Shot(blur=3.0), FRAME)))
    before = content_hash(material.pages[0])
    material.retake(0, process(photograph(page, Shot(angle_deg=-3, tilt=0.1), FRAME)))
    assert content_hash(material.pages[0]) != before
    thumbs = material.thumbnails()
    assert [cv2.imdecode(np.frombuffer(t, np.uint8), cv2.IMREAD_GRAYSCALE).shape[0] for t in thumbs] == [240, 240]
    pdf = material.pdf()
    with pikepdf.open(__import__("io").BytesIO(pdf)) as document:
        assert len(document.pages) == 2
        image = next(iter(document.pages[0].images.values()))
        assert image.Filter == "/DCTDecode"  # the JPEG as captured, not re-encoded
        assert bytes(image.read_raw_bytes()) == material.pages[0]
    material.clear()
    assert material.pages == []


def test_the_simulator_video_plays_through_the_real_camera_device(page, tmp_path):
    """The configured document camera is a Camera like the face camera; the simulator is a video it replays."""
    frames = placement_frames(page, Shot(angle_deg=-12, tilt=0.15, light=0.8), FRAME, seed=7)
    video = write_video(tmp_path / "document-camera.avi", frames, fps=15)
    camera = Camera(str(video), *FRAME, loop=True, name="document_camera")
    camera.start()
    try:
        watcher = PageWatcher()
        accepted = []
        seq = 0

        def one_frame() -> bool:
            nonlocal seq
            frame = camera.next_frame(seq, timeout=2.0)
            if frame is not None:
                seq = frame.seq
                found = watcher.feed(frame.image)
                if found is not None:
                    accepted.append(found)
            return bool(accepted)

        wait_for(one_frame, timeout_s=30, what="an accepted page from the replayed video")
        assert accepted[0].page.shape[0] > accepted[0].page.shape[1]
    finally:
        camera.stop()
