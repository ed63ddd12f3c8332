"""Population registry: the reference portrait for an ID number (simulated from the demo persons' photos)."""
from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Protocol

from PIL import Image

logger = logging.getLogger(__name__)


class PopulationRegistry(Protocol):
    def portrait_jpeg(self, id_number: str) -> bytes | None: ...


class SimulatedPopulationRegistry:
    """Serves the demo persons' first photo from the shared faces folder (read in place, re-encoded as JPEG)."""

    def __init__(self, faces_dir: Path, portraits: dict[str, str] | None = None):
        from gateway.seed import DEMO_PERSONS

        self.faces_dir = Path(faces_dir)
        self.portraits = portraits if portraits is not None else {p.id_number: p.portrait for p in DEMO_PERSONS}

    def portrait_jpeg(self, id_number: str) -> bytes | None:
        name = self.portraits.get(id_number)
        if name is None:
            return None
        path = self.faces_dir / name
        try:
            data = path.read_bytes()
        except OSError:
            logger.warning("portrait file %s is missing from %s", name, self.faces_dir)
            return None
        if data[:3] == b"\xff\xd8\xff":
            return data
        with Image.open(io.BytesIO(data)) as image:
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=92)
            return out.getvalue()
