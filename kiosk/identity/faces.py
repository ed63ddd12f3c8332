"""Face detection, landmarks, encoding and comparison over face_recognition's dlib models.

Speed without losing accuracy: the HOG detector runs on a copy scaled so that the smallest face we accept just fills
its 80-pixel window (nothing smaller is any use to us), while the 68 landmarks and the 128-d encoding are computed
on the full-resolution frame, so an encoding is the same as one made from the full-size image. The usual webcam
loop instead encodes on the quarter-size frame, which costs detail exactly where the comparison needs it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import dlib
import numpy as np

logger = logging.getLogger(__name__)

HOG_WINDOW_PX = 80  # dlib's frontal face detector finds faces of about this size and larger
MAX_DETECT_SIDE = 1280  # large photos (a scanned portrait) are detected on a copy no larger than this


def _models():
    # face_recognition loads its models at import time (about a second); defer it until a face is first needed.
    from face_recognition import api
    return api


class FaceImageError(ValueError):
    """An image that cannot be used as a face reference or probe (unreadable, no face, several faces)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason  # message key: not_an_image, no_face, several_faces


@dataclass(frozen=True, eq=False)
class Face:
    """One detected face: box in full-frame pixels (left, top, right, bottom) and its 68 landmarks (x, y)."""

    box: tuple[int, int, int, int]
    landmarks: np.ndarray  # shape (68, 2), float

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    def __repr__(self) -> str:
        return f"Face(box={self.box})"


class FaceEngine:
    """Stateless apart from the loaded models; safe to share between threads (dlib calls release the GIL)."""

    def __init__(self, min_face_px: int = 80, upsample: int | None = None):
        self.min_face_px = min_face_px
        self.upsample = upsample
        api = _models()
        self._detector = api.face_detector
        self._predictor = api.pose_predictor_68_point
        self._predictor_5 = api.pose_predictor_5_point
        self._encoder = api.face_encoder
        self._distance = api.face_distance
        self._warm: set[tuple[int, ...]] = set()

    # -- detection --------------------------------------------------------------------------------------------
    def detection_scale(self, shape: tuple[int, ...], min_face_px: float | None = None) -> tuple[float, int]:
        """(scale, upsample) for the detector: the smallest face wanted maps onto the detector's window."""
        if self.upsample is not None:
            return 1.0, self.upsample
        smallest = min_face_px or self.min_face_px
        scale = HOG_WINDOW_PX / smallest
        if scale > 1.0:
            return min(1.0, MAX_DETECT_SIDE / max(shape[0], shape[1])), 1  # faces below the window: upsample
        return min(scale, MAX_DETECT_SIDE / max(shape[0], shape[1])), 0

    def detect(self, image: np.ndarray, upsample: int | None = None,
               min_face_px: float | None = None) -> list[tuple[int, int, int, int]]:
        """Face boxes (left, top, right, bottom) in the image's pixels, largest first; image is RGB or grey.

        min_face_px asks for smaller faces than the engine's own limit (at a higher cost)."""
        scale, up = self.detection_scale(image.shape, min_face_px)
        if upsample is not None:
            up = upsample
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        if scale < 1.0:
            gray = cv2.resize(gray, (0, 0), fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        rects = self._detector(gray, up)
        h, w = image.shape[:2]
        boxes = []
        for r in rects:
            box = (max(0, int(r.left() / scale)), max(0, int(r.top() / scale)),
                   min(w, int(r.right() / scale)), min(h, int(r.bottom() / scale)))
            if box[2] > box[0] and box[3] > box[1]:
                boxes.append(box)
        boxes.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
        return boxes

    def landmarks(self, image: np.ndarray, box: tuple[int, int, int, int]) -> Face:
        """The 68 landmarks of the face in box; image is RGB or grey (dlib fits them on intensity either way)."""
        shape = self._predictor(image, dlib.rectangle(*box))
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
        return Face(box, points)

    def faces(self, rgb: np.ndarray, upsample: int | None = None) -> list[Face]:
        return [self.landmarks(rgb, box) for box in self.detect(rgb, upsample)]

    # -- encoding ---------------------------------------------------------------------------------------------
    def encode(self, rgb: np.ndarray, face: Face) -> np.ndarray:
        """The 128-d encoding of a face on the full-resolution image.

        Aligned with the 5-point model, as face_recognition.face_encodings does by default, so an encoding here equals
        the library's own for the same box (the 68 points serve liveness and pose).
        """
        shape = self._predictor_5(rgb, dlib.rectangle(*face.box))
        return np.asarray(self._encoder.compute_face_descriptor(rgb, shape, 1), dtype=np.float64)

    def distance(self, known: np.ndarray, probe: np.ndarray) -> float:
        return float(self._distance(np.asarray([known]), probe)[0])

    def warm_up(self, shape: tuple[int, ...]) -> None:
        """Run detection and one encoding on a blank frame of this shape: dlib's first encoding in a process
        takes about twice as long as the next ones, and that first one should not be the applicant's."""
        if tuple(shape) in self._warm:
            return
        blank = np.zeros(shape, dtype=np.uint8)
        self.detect(blank)
        side = min(shape[0], shape[1]) // 2
        self.encode(blank, Face((0, 0, side, side), np.zeros((68, 2))))
        self._warm.add(tuple(shape))

    # -- images -----------------------------------------------------------------------------------------------
    def encode_single(self, rgb: np.ndarray) -> tuple[np.ndarray, Face]:
        """The encoding of the one face in a still image (a portrait or a photo probe); FaceImageError otherwise."""
        faces = self.faces(rgb)
        if not faces:
            # A small portrait (the card photo is 102x126) has faces below the detector's window: look closer.
            faces = self.faces(rgb, upsample=1 if max(rgb.shape[:2]) >= 400 else 2)
        if not faces:
            raise FaceImageError("no face found in the image", "no_face")
        if len(faces) > 1 and faces[1].width >= 0.5 * faces[0].width:
            raise FaceImageError(f"{len(faces)} faces in the image; one is needed", "several_faces")
        return self.encode(rgb, faces[0]), faces[0]


def decode_image(data: bytes) -> np.ndarray:
    """Image bytes (JPEG, PNG, BMP...) -> RGB array, in memory; FaceImageError if it is not an image."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR) if buffer.size else None
    if image is None:
        raise FaceImageError("not an image (cannot decode it)", "not_an_image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def bgr_to_rgb(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
