"""Generated document photos for the document-camera simulator: a fake form drawn with PIL, photographed badly.

No real papers: every page is drawn here from made-up text, then warped (perspective, rotation), lit unevenly,
blurred, glared or pushed off the frame, as a document camera sees a page an applicant puts down carelessly.
"""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

logger = logging.getLogger(__name__)

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PAGE_SIZE = (840, 1188)  # A4 at about 100 dpi (width, height)


def render_page(title: str = "不动产登记证明（演示）", seed: int = 0, size: tuple[int, int] = PAGE_SIZE) -> np.ndarray:
    """A made-up document page (BGR): title, a table of fields with invented values, body lines, a stamp."""
    rng = random.Random(seed)
    width, height = size
    page = Image.new("RGB", size, (250, 250, 246))
    draw = ImageDraw.Draw(page)
    big = ImageFont.truetype(str(FONT_PATH), 44)
    small = ImageFont.truetype(str(FONT_PATH), 24)
    draw.text((width // 2, 90), title, font=big, fill=(20, 20, 20), anchor="mm")
    top, left, right = 170, 70, width - 70
    labels = ["权利人", "证件号码", "不动产坐落", "不动产单元号", "权利类型", "登记时间", "附记"]
    for row, label in enumerate(labels):
        y = top + row * 70
        draw.rectangle((left, y, right, y + 70), outline=(30, 30, 30), width=2)
        draw.line((left + 200, y, left + 200, y + 70), fill=(30, 30, 30), width=2)
        draw.text((left + 20, y + 22), label, font=small, fill=(20, 20, 20))
        value = "".join(rng.choice("演示样例文字测试甲乙丙丁一二三四五六七八九〇") for _ in range(rng.randint(6, 16)))
        draw.text((left + 220, y + 22), value, font=small, fill=(40, 40, 60))
    y = top + len(labels) * 70 + 50
    while y < height - 200:
        line = "".join(rng.choice("本证明仅供演示使用不具有法律效力样例") for _ in range(rng.randint(18, 26)))
        draw.text((left, y), line, font=small, fill=(50, 50, 50))
        y += 44
    draw.ellipse((width - 300, height - 260, width - 120, height - 80), outline=(200, 40, 40), width=6)
    draw.text((width - 210, height - 170), "演示", font=big, fill=(200, 40, 40), anchor="mm")
    return cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR)


@dataclass(frozen=True)
class Shot:
    """How a page lies under the camera and how the photo turns out."""

    angle_deg: float = 0.0        # rotation of the page on the desk
    tilt: float = 0.0             # 0..0.3: perspective (the camera not straight above)
    scale: float = 0.8            # page height as a share of the frame height
    shift: tuple[float, float] = (0.0, 0.0)  # page centre offset, share of frame size
    light: float = 0.0            # 0..1: how uneven the light is (a shadow across the page)
    blur: float = 0.0             # gaussian sigma in pixels (out of focus or moving)
    glare: float = 0.0            # 0..1: size of a blown-out reflection
    noise: float = 2.0            # sensor noise sigma


def corners_of(shot: Shot, frame_size: tuple[int, int], page_size: tuple[int, int] = PAGE_SIZE) -> np.ndarray:
    """Where the page's corners land in the frame (tl, tr, br, bl), before anything clips them."""
    fw, fh = frame_size
    pw, ph = page_size
    height = shot.scale * fh
    width = height * pw / ph
    cx, cy = fw / 2 + shot.shift[0] * fw, fh / 2 + shot.shift[1] * fh
    box = np.array([[-width / 2, -height / 2], [width / 2, -height / 2], [width / 2, height / 2],
                    [-width / 2, height / 2]])
    # The top edge further from the camera looks narrower: that is the perspective a tilted camera gives.
    box[:2, 0] *= 1 - shot.tilt
    theta = np.deg2rad(shot.angle_deg)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    return (box @ rotation.T + [cx, cy]).astype(np.float32)


def photograph(page: np.ndarray, shot: Shot, frame_size: tuple[int, int] = (1600, 1200), seed: int = 0) -> np.ndarray:
    """The frame the camera delivers (BGR) with the page lying as `shot` says on a dark desk."""
    rng = np.random.default_rng(seed)
    fw, fh = frame_size
    ph, pw = page.shape[:2]
    source = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    target = corners_of(shot, frame_size, (pw, ph))
    matrix = cv2.getPerspectiveTransform(source, target)
    desk = np.full((fh, fw, 3), (52, 58, 66), np.uint8)
    frame = cv2.warpPerspective(page, matrix, (fw, fh), dst=desk, borderMode=cv2.BORDER_TRANSPARENT)
    frame = frame.astype(np.float32)
    if shot.light:
        xs = np.linspace(0, 1, fw, dtype=np.float32)
        ys = np.linspace(0, 1, fh, dtype=np.float32)[:, None]
        gain = 1.0 - shot.light * 0.55 * (0.6 * xs + 0.4 * ys)  # darker towards the lower right
        frame *= gain[..., None]
    if shot.glare:
        yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
        cx, cy = target[:, 0].mean() - 0.1 * fw, target[:, 1].mean() - 0.1 * fh
        radius = shot.glare * 0.18 * fh
        spot = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius ** 2)))
        frame = frame + spot[..., None] * 400
    if shot.blur:
        frame = cv2.GaussianBlur(frame, (0, 0), shot.blur)
    frame += rng.normal(0, shot.noise, frame.shape).astype(np.float32)
    return np.clip(frame, 0, 255).astype(np.uint8)


def empty_desk(frame_size: tuple[int, int] = (1600, 1200), seed: int = 0) -> np.ndarray:
    fw, fh = frame_size
    rng = np.random.default_rng(seed)
    desk = np.full((fh, fw, 3), (52, 58, 66), np.float32) + rng.normal(0, 2, (fh, fw, 3))
    return np.clip(desk, 0, 255).astype(np.uint8)


def placement_frames(page: np.ndarray, final: Shot, frame_size: tuple[int, int] = (1600, 1200),
                     desk_frames: int = 3, moving_frames: int = 4, still_frames: int = 6, seed: int = 0) -> list:
    """A page being put down: empty desk, the page sliding in (motion-blurred), then lying still."""
    frames = [empty_desk(frame_size, seed + i) for i in range(desk_frames)]
    for i in range(moving_frames):
        share = (moving_frames - i) / moving_frames
        moving = Shot(angle_deg=final.angle_deg + 8 * share, tilt=final.tilt, scale=final.scale,
                      shift=(final.shift[0] + 0.35 * share, final.shift[1]), light=final.light,
                      blur=max(final.blur, 6.0 * share), glare=final.glare)
        frames.append(photograph(page, moving, frame_size, seed + 100 + i))
    frames += [photograph(page, final, frame_size, seed + 200 + i) for i in range(still_frames)]
    return frames


def write_video(path: Path, frames: list, fps: float = 15.0) -> Path:
    """The frames as a video file a CameraConfig source can name (the simulator the kiosk replays)."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()
    return path
