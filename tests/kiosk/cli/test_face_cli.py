"""Tests for kiosk/cli/face.py: `kiosk face verify` on the photos beside the repository and on generated videos."""
from __future__ import annotations

import json

import cv2
import numpy as np

from kiosk.cli import main
from tests.kiosk.identity.conftest import still_frame, write_still_video


def run(capsys, *argv):
    code = main(["face", "verify", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_same_person_photos_match_as_json(capsys, faces_dir):
    code, out, err = run(capsys, "--reference", str(faces_dir / "obama_1.jpg"), "--probe",
                         str(faces_dir / "obama_2.jpg"), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["match"] is True and report["face_found"] is True
    assert 0 < report["distance"] <= report["threshold"]
    assert "liveness" not in report  # a still image says nothing about liveness


def test_different_people_do_not_match_in_plain_text(capsys, faces_dir):
    code, out, _ = run(capsys, "--reference", str(faces_dir / "lin_manuel_miranda_1.png"), "--probe",
                       str(faces_dir / "biden_1.jpg"))
    assert code == 0
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    assert lines["match"] == "false" and float(lines["distance"]) > float(lines["threshold"])


def test_not_an_image_is_a_clear_error(capsys, faces_dir, tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    code, out, err = run(capsys, "--reference", str(text), "--probe", str(faces_dir / "obama_1.jpg"))
    assert code == 1 and out == ""
    assert err.strip() == "kiosk: reference: not an image (cannot decode it)"
    code, _, err = run(capsys, "--reference", str(faces_dir / "obama_1.jpg"), "--probe", str(faces_dir / "README.md"))
    assert code == 1 and "probe: not an image or a video" in err


def test_a_probe_without_a_face_is_a_clear_error(capsys, faces_dir, tmp_path):
    grey = tmp_path / "wall.png"
    cv2.imwrite(str(grey), np.full((240, 320, 3), 128, dtype=np.uint8))
    code, _, err = run(capsys, "--reference", str(faces_dir / "obama_1.jpg"), "--probe", str(grey))
    assert code == 1 and err.strip() == "kiosk: probe: no face found in the image"


def test_missing_file_and_bad_options(capsys, faces_dir, tmp_path):
    code, _, err = run(capsys, "--reference", str(tmp_path / "absent.jpg"), "--probe", str(faces_dir / "obama_1.jpg"))
    assert code == 1 and "reference: no such file" in err
    code, _, err = run(capsys, "--reference", str(faces_dir / "obama_1.jpg"), "--probe",
                       str(faces_dir / "obama_2.jpg"), "--liveness", "wink")
    assert code == 1 and "--liveness" in err


def test_video_of_a_held_photo_matches_without_liveness(capsys, faces_dir, tmp_path):
    video = write_still_video(tmp_path / "held.mp4", still_frame(faces_dir, "rose_leslie_1.jpg"), frames=30)
    code, out, err = run(capsys, "--reference", str(faces_dir / "rose_leslie_2.jpg"), "--probe", video, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["face_found"] is True and report["match"] is True
    assert report["liveness"] is False and report["verified"] is False
    assert isinstance(report["latency_ms"], float) and report["latency_ms"] >= 0


def test_video_without_a_face_is_a_clear_error(capsys, faces_dir, tmp_path):
    video = write_still_video(tmp_path / "empty.mp4", np.full((240, 320, 3), 90, dtype=np.uint8), frames=15)
    code, _, err = run(capsys, "--reference", str(faces_dir / "obama_1.jpg"), "--probe", video)
    assert code == 1 and "no usable face in the video" in err
