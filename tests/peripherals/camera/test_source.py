"""Tests for peripherals/camera/source.py: which kind of source a config string names, and opening each kind."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from peripherals.camera.source import (SourceKind, SourceUnavailable, StillImageReader, VideoFileReader,
                                       open_reader, parse_source)
from tests.peripherals.camera.conftest import write_video

import cv2
import numpy as np


@pytest.mark.parametrize("text, kind", [
    ("0", SourceKind.INDEX),
    ("12", SourceKind.INDEX),
    ("/dev/video0", SourceKind.DEVICE),
    ("/dev/v4l/by-id/usb-Camera-video-index0", SourceKind.DEVICE),
    ("rtsp://admin:secret@10.0.0.5:554/stream1", SourceKind.STREAM),
    ("RTSP://cam.local/live", SourceKind.STREAM),
    ("http://10.0.0.7/video.mjpg", SourceKind.STREAM),
    ("/srv/sim/applicant.mp4", SourceKind.VIDEO),
    ("clip.avi", SourceKind.VIDEO),
    ("photo.JPG", SourceKind.IMAGE),
    ("portrait.png", SourceKind.IMAGE),
])
def test_parse_source(text, kind):
    assert parse_source(text).kind is kind


def test_empty_source_is_refused():
    with pytest.raises(ValueError, match=r"camera source is empty"):
        parse_source("  ")


def test_stream_description_never_carries_the_password():
    source = parse_source("rtsp://admin:secret@10.0.0.5:554/stream1")
    assert "secret" not in source.describe() and "admin" not in source.describe()
    assert "10.0.0.5" in source.describe()


@given(st.text(min_size=1, max_size=60).filter(lambda s: s.strip()))
def test_any_non_empty_string_parses_to_a_kind(text):
    assert parse_source(text).kind in SourceKind


class FakeClock:
    """Time that moves only when the reader sleeps or the test says so."""

    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_video_file_plays_at_its_frame_rate_and_ends(tmp_path):
    path = write_video(tmp_path / "v.mp4", frames=5, fps=50)
    assert isinstance(open_reader(parse_source(path), loop=False), VideoFileReader)
    clock = FakeClock()
    reader = VideoFileReader(parse_source(path), loop=False, clock=clock, sleep=clock.sleep)
    assert reader.fps == pytest.approx(50)
    frames = []
    while (frame := reader.read()) is not None:
        frames.append(frame)
        assert len(frames) <= 10
    reader.close()
    assert len(frames) == 5  # a reader keeping up gets every frame, one frame interval apart
    assert clock.slept == pytest.approx([0.02] * 5)  # the last wait finds the end of the file
    assert frames[0].shape == (120, 160, 3)


def test_a_slow_reader_gets_the_frame_due_now_not_the_late_ones(tmp_path):
    path = write_video(tmp_path / "v.mp4", frames=5, fps=50)
    clock = FakeClock()
    reader = VideoFileReader(parse_source(path), loop=False, clock=clock, sleep=clock.sleep)
    frames = [reader.read()]
    clock.now += 0.061  # the reader was busy for three frame intervals: frames 1 and 2 are gone
    frames.append(reader.read())
    while (frame := reader.read()) is not None:
        frames.append(frame)
    reader.close()
    assert len(frames) == 3 and reader._index == 4


def test_video_file_loops_when_asked(tmp_path):
    path = write_video(tmp_path / "v.mp4", frames=3, fps=100)
    reader = open_reader(parse_source(path), loop=True)
    frames = [reader.read() for _ in range(7)]
    reader.close()
    assert all(f is not None for f in frames)


def test_still_image_repeats_the_same_picture(tmp_path):
    path = tmp_path / "still.png"
    picture = np.random.default_rng(1).integers(0, 255, (40, 50, 3), dtype=np.uint8)
    cv2.imwrite(str(path), picture)
    reader = open_reader(parse_source(str(path)), fps=200)
    assert isinstance(reader, StillImageReader)
    a, b = reader.read(), reader.read()
    assert np.array_equal(a, picture) and np.array_equal(b, picture)
    a[:] = 0  # a consumer scribbling on its frame must not change the next one
    assert np.array_equal(reader.read(), picture)


@pytest.mark.parametrize("name, content, problem", [
    ("missing.mp4", None, r"^file not found$"), ("garbage.mp4", b"not a video at all", r"^not a readable video$"),
    ("missing.png", None, r"^file not found or not an image$"),
    ("garbage.png", b"\x89PNG broken", r"^file not found or not an image$")])
def test_unusable_files_raise_source_unavailable(tmp_path, name, content, problem):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceUnavailable, match=problem):
        open_reader(parse_source(str(path)))


def test_missing_device_path_is_unavailable():
    with pytest.raises(SourceUnavailable, match=r"device path does not exist"):
        open_reader(parse_source("/dev/video-does-not-exist-42"))
