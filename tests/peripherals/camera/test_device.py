"""Tests for peripherals/camera/device.py: the grabber thread, newest-frame hand-over, status and reconnect."""
from __future__ import annotations

import os
import shutil
import threading
import time

import numpy as np

from peripherals.camera import Frame
from peripherals.status import DeviceStatus, StatusChanged
from tests.peripherals.camera.conftest import write_video
from tests.waiting import wait_for


def test_camera_comes_online_and_hands_out_newer_frames(cameras, video_file):
    camera = cameras(video_file).start()
    assert camera.wait_online(5)
    assert camera.status is DeviceStatus.ONLINE
    first = camera.next_frame(0, timeout=2)
    second = camera.next_frame(first.seq, timeout=2)
    assert isinstance(first, Frame) and second.seq > first.seq
    assert second.captured_at >= first.captured_at
    assert "Frame(seq=" in repr(second) and "array" not in repr(second)


def test_latest_never_waits_and_a_slow_consumer_skips_frames(cameras, video_file):
    camera = cameras(video_file).start()
    assert camera.wait_online(5)
    seen = camera.latest().seq
    # A consumer busy for a while gets the newest frame, not the one after the last it saw.
    assert wait_for(lambda: camera.latest().seq >= seen + 3)
    newest = camera.next_frame(seen, timeout=1)
    assert newest.seq >= seen + 3


def test_preview_keeps_getting_frames_while_another_thread_holds_a_frame(cameras, video_file):
    camera = cameras(video_file).start()
    assert camera.wait_online(5)
    held = camera.next_frame(0, timeout=1)
    stop = threading.Event()

    def slow_analysis():  # holds its frame and does nothing with the camera
        stop.wait(2)

    worker = threading.Thread(target=slow_analysis)
    worker.start()
    seqs = set()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and len(seqs) < 5:
        frame = camera.next_frame(max(seqs, default=held.seq), timeout=1)
        seqs.add(frame.seq)
    stop.set()
    worker.join()
    assert len(seqs) >= 5


def test_status_events_and_reconnect_after_the_source_returns(cameras, tmp_path):
    original = write_video(tmp_path / "orig.mp4", frames=10, fps=100)
    path = tmp_path / "camera.mp4"
    events = []
    camera = cameras(str(path), loop=False, reconnect_s=0.05)
    camera.add_listener(events.append)
    camera.start()
    assert wait_for(lambda: camera.status is DeviceStatus.OFFLINE and events)
    assert camera.latest() is None
    shutil.copy(original, path)  # "plugged in"
    assert wait_for(lambda: camera.status is DeviceStatus.ONLINE)
    os.remove(path)  # the file ends and is gone: "unplugged"

    def changes():
        return [(e.previous, e.status) for e in list(events) if isinstance(e, StatusChanged)]

    # the status flips before its event reaches the listeners, so wait for the event, not the status
    assert wait_for(lambda: (DeviceStatus.ONLINE, DeviceStatus.OFFLINE) in changes(), timeout_s=5,
                    what="the event of the camera going offline")
    assert camera.status is DeviceStatus.OFFLINE
    assert (DeviceStatus.OFFLINE, DeviceStatus.ONLINE) in changes()


def test_one_log_line_down_and_one_back_not_one_per_retry(cameras, tmp_path, caplog):
    path = tmp_path / "camera.mp4"
    camera = cameras(str(path), loop=False, reconnect_s=0.02)
    with caplog.at_level("INFO", logger="peripherals.status"):
        camera.start()
        time.sleep(0.3)  # about 15 failed reconnects
        write_video(path, frames=200, fps=100)
        # the status flips just before the log line is written: wait for the line
        assert wait_for(lambda: any("available again" in r.getMessage() for r in list(caplog.records)))
    assert camera.status is DeviceStatus.ONLINE
    lines = [r.getMessage() for r in caplog.records if "camera" in r.getMessage()]
    assert len([m for m in lines if "unavailable" in m]) == 1
    assert len([m for m in lines if "available again" in m]) == 1
    assert all(str(tmp_path) not in m for m in lines)  # the log names the file, not where it lives


def test_still_image_source_serves_the_same_picture(cameras, tmp_path):
    import cv2
    picture = np.random.default_rng(3).integers(0, 255, (60, 80, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "still.png"), picture)
    camera = cameras(str(tmp_path / "still.png"), fps=60).start()
    assert camera.wait_online(5)
    a = camera.next_frame(0, timeout=1)
    b = camera.next_frame(a.seq, timeout=1)
    assert b.seq > a.seq and np.array_equal(a.image, b.image)


def test_stop_drops_the_last_frame_and_next_frame_returns_none(cameras, video_file):
    camera = cameras(video_file).start()
    assert camera.wait_online(5)
    camera.stop()
    assert camera.latest() is None
    assert camera.next_frame(0, timeout=0.1) is None


def test_next_frame_times_out_when_no_frame_comes(cameras, tmp_path):
    camera = cameras(str(tmp_path / "absent.mp4"), reconnect_s=0.05).start()
    assert camera.next_frame(0, timeout=0.2) is None
    assert not camera.wait_online(0.2)


def test_camera_from_config():
    from config.schema import CameraConfig
    from peripherals.camera import camera_from_config
    from peripherals.camera.source import SourceKind
    camera = camera_from_config(CameraConfig(source="/dev/video2", width=1280, height=720, loop=False))
    assert camera.source.kind is SourceKind.DEVICE and (camera.width, camera.height) == (1280, 720)
    assert camera.loop is False
