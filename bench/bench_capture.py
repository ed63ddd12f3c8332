"""Document camera (高拍仪): time from a page placed to its accepted capture, and bytes per stored page.

Run: .venv/bin/python bench/bench_capture.py

Time. The simulator replays a page being put down (empty desk, the page sliding in motion-blurred, then lying still)
at the camera's frame rate through the real Camera device, and the PageWatcher takes the page once two frames agree
on its corners and the shot is usable. The floor is the camera itself: the page cannot be taken before the frame
that confirms the first still one, 1 frame interval after the first still frame arrives. The figure is the measured
time from the first still frame's arrival to the accepted capture, as a multiple of the frame interval; also the
pipeline's own time per frame (the corner search every frame pays, and the whole pipeline a still page pays), since
work slower than the frame interval drops frames.

Bytes. The stored page (perspective-corrected, light evened, grayscale JPEG at quality 80) against a plain JPEG of
the raw frame at the same quality, which is what a camera without the pipeline would store.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402

from peripherals.camera.device import Camera  # noqa: E402
from peripherals.document_camera.capture import encode_page, find_page, process  # noqa: E402
from peripherals.document_camera.material import PageWatcher  # noqa: E402
from peripherals.document_camera.simulator import Shot, placement_frames, render_page, write_video  # noqa: E402

FRAME = (1600, 1200)
FPS = 10.0  # a document camera at full resolution (1600x1200 MJPG) delivers 5-15 frames a second
SHOTS = [Shot(angle_deg=10, tilt=0.1, light=0.6), Shot(angle_deg=-14, tilt=0.18, light=1.0, blur=0.8),
         Shot(angle_deg=4, light=0.3, scale=0.7), Shot(angle_deg=-6, tilt=0.05, light=0.8, shift=(0.05, 0.03))]
DESK, MOVING, STILL = 3, 4, 8


def one_placement(index: int, shot: Shot, folder: Path) -> tuple[float, int, int]:
    """(seconds from the first still frame to acceptance, stored bytes, raw-frame JPEG bytes)."""
    page = render_page(f"演示材料第{index + 1}页", seed=index)
    frames = placement_frames(page, shot, FRAME, DESK, MOVING, STILL, seed=index)
    video = write_video(folder / f"placement-{index}.avi", frames, fps=FPS)
    camera = Camera(str(video), *FRAME, loop=False, fps=FPS, name="document_camera")
    watcher = PageWatcher()
    first_still_at = None
    camera.start()
    try:
        seq = 0
        while True:
            frame = camera.next_frame(seq, timeout=5.0)
            if frame is None:
                raise SystemExit(f"placement {index}: no page accepted")
            # Frames are numbered from 1 as they arrive; a frame skipped by a slow reader is not seen at all.
            if first_still_at is None and frame.seq > DESK + MOVING:
                first_still_at = frame.captured_at
            seq = frame.seq
            accepted = watcher.feed(frame.image)
            if accepted is not None:
                taken = time.monotonic() - first_still_at
                raw = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].nbytes
                return taken, len(encode_page(accepted.page)), raw
    finally:
        camera.stop()


def main() -> None:
    interval = 1.0 / FPS
    pipeline, search = [], []
    sample = placement_frames(render_page(seed=1), SHOTS[0], FRAME, 0, 0, 5)
    for frame in sample:
        start = time.perf_counter()
        find_page(frame)
        search.append(time.perf_counter() - start)
        start = time.perf_counter()
        process(frame)
        pipeline.append(time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as folder:
        results = [one_placement(i, shot, Path(folder)) for i, shot in enumerate(SHOTS)]
    times = [r[0] for r in results]
    print(f"camera: {FRAME[0]}x{FRAME[1]} at {FPS:g} fps, frame interval {interval * 1000:.0f} ms")
    print(f"corner search per frame: median {statistics.median(search) * 1000:.0f} ms "
          f"= {statistics.median(search) / interval:.2f} frame intervals")
    print(f"whole pipeline on a still page: median {statistics.median(pipeline) * 1000:.0f} ms "
          f"= {statistics.median(pipeline) / interval:.2f} frame intervals")
    print(f"page still -> accepted: median {statistics.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms"
          f" = {statistics.median(times) / interval:.2f} frame intervals (floor: 1 interval after the first still "
          f"frame, the confirming frame)")
    stored = [r[1] for r in results]
    raw = [r[2] for r in results]
    print(f"bytes per page: stored {statistics.mean(stored) / 1024:.0f} KiB, raw-frame JPEG "
          f"{statistics.mean(raw) / 1024:.0f} KiB: {statistics.mean(raw) / statistics.mean(stored):.2f}x smaller")


if __name__ == "__main__":
    main()
