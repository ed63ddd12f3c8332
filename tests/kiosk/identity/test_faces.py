"""Tests for kiosk/identity/faces.py on the photos in ../shared/data/faces: encoding, errors, the default threshold."""
from __future__ import annotations

import itertools

import cv2
import face_recognition
import numpy as np
import pytest

from config.schema import IdentityConfig
from kiosk.identity.faces import FaceImageError, decode_image
from kiosk.identity.verifier import DEFAULT_THRESHOLD
from tests.kiosk.identity.conftest import PHOTOS

ALL = [(person, name) for person, names in PHOTOS.items() for name in names]


def test_default_threshold_separates_every_photo_pair(photo_encodings, engine):
    # The measured default (config comment, bench_face.py): every genuine pair under it, every impostor pair over.
    threshold = IdentityConfig().face_distance_threshold
    assert threshold == DEFAULT_THRESHOLD
    genuine, impostor = [], []
    for (pa, a), (pb, b) in itertools.combinations(ALL, 2):
        d = engine.distance(photo_encodings(a), photo_encodings(b))
        (genuine if pa == pb else impostor).append(d)
    assert len(genuine) == 19 and len(impostor) == 86
    assert max(genuine) <= threshold < min(impostor)
    # Not a knife edge: at least 0.05 on each side.
    assert threshold - max(genuine) >= 0.05 and min(impostor) - threshold >= 0.05


def test_encoding_equals_the_libraries_full_resolution_encoding(engine, faces_dir):
    # The encoding is made on the full image, exactly as face_recognition.face_encodings makes it for the same box.
    from kiosk.identity.faces import Face
    rgb = face_recognition.load_image_file(faces_dir / "kit_harington_2.jpg")
    top, right, bottom, left = face_recognition.face_locations(rgb)[0]
    reference = face_recognition.face_encodings(rgb, [(top, right, bottom, left)])[0]
    ours = engine.encode(rgb, Face((left, top, right, bottom), np.zeros((68, 2))))
    assert np.allclose(ours, reference, atol=1e-6)


def test_boxes_from_the_small_detection_land_on_the_full_size_face(engine, faces_dir):
    rgb = face_recognition.load_image_file(faces_dir / "obama_480p.jpg")
    top, right, bottom, left = face_recognition.face_locations(rgb)[0]
    (l2, t2, r2, b2), = engine.detect(rgb)
    width = right - left
    assert abs(l2 - left) < 0.2 * width and abs(r2 - right) < 0.2 * width and abs(t2 - top) < 0.2 * width


def test_detection_scale_follows_the_smallest_accepted_face(engine):
    assert engine.detection_scale((480, 640, 3)) == (1.0, 0)
    from kiosk.identity.faces import FaceEngine
    far = FaceEngine.__new__(FaceEngine)
    far.min_face_px, far.upsample = 160, None
    assert far.detection_scale((720, 1280, 3)) == (0.5, 0)
    assert far.detection_scale((2400, 3200, 3))[0] == pytest.approx(0.4)


def test_small_card_sized_portrait_still_gives_a_face(engine, faces_dir, photo_encodings):
    # The card photo decodes to 102x126: far below the detector's window without looking closer.
    rgb = decode_image((faces_dir / "obama_1.jpg").read_bytes())
    face = engine.faces(rgb)[0]
    left, top, right, bottom = face.box
    pad = (right - left) // 3
    crop = rgb[max(0, top - pad):bottom + pad, max(0, left - pad):right + pad]
    small = cv2.resize(crop, (102, 126), interpolation=cv2.INTER_AREA)
    encoding, _ = engine.encode_single(small)
    assert engine.distance(photo_encodings("obama_1.jpg"), encoding) < DEFAULT_THRESHOLD


def test_not_an_image_is_refused_with_its_reason():
    with pytest.raises(FaceImageError, match=r"not an image \(cannot decode it\)") as info:
        decode_image(b"%PDF-1.4 this is not a picture")
    assert info.value.reason == "not_an_image"
    with pytest.raises(FaceImageError, match=r"not an image \(cannot decode it\)") as info:
        decode_image(b"")
    assert info.value.reason == "not_an_image"


def test_an_image_without_a_face(engine):
    grey = np.full((300, 300, 3), 127, dtype=np.uint8)
    with pytest.raises(FaceImageError, match=r"no face found in the image") as info:
        engine.encode_single(grey)
    assert info.value.reason == "no_face"


def test_two_people_is_not_a_reference(engine, faces_dir):
    rgb = decode_image((faces_dir / "two_people.jpg").read_bytes())
    assert len(engine.detect(rgb)) == 2
    with pytest.raises(FaceImageError, match=r"2 faces in the image; one is needed") as info:
        engine.encode_single(rgb)
    assert info.value.reason == "several_faces"


def test_face_repr_carries_no_landmarks(engine, faces_dir):
    face = engine.faces(decode_image((faces_dir / "obama_240p.jpg").read_bytes()), upsample=1)[0]
    assert repr(face).startswith("Face(box=") and "array" not in repr(face)
