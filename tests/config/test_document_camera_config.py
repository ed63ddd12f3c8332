"""devices.document_camera: a second camera configured like the face camera; the simulator only on a demo site."""
from __future__ import annotations

import pytest

from config import ConfigError, load_config
from tests.config.test_loader import GOOD, write

SIMULATED = '\n[devices.document_camera]\nenabled = true\nsource = "var/document-camera.avi"\n'


def test_a_real_site_names_the_document_camera_by_its_device_path(tmp_path):
    config = load_config(write(tmp_path, GOOD + '\n[devices.document_camera]\nenabled = true\n'
                               'source = "/dev/v4l/by-id/usb-doc-cam-video-index0"\n'), env={})
    camera = config.devices.document_camera
    assert camera.enabled and camera.source.startswith("/dev/v4l/by-id/")
    assert (camera.width, camera.height) == (1600, 1200)
    assert config.devices.camera.source == "0"  # the face camera is a separate device


def test_the_simulator_video_is_refused_on_a_real_site(tmp_path):
    with pytest.raises(ConfigError, match=r"devices\.document_camera\.source: a video or image file"):
        load_config(write(tmp_path, GOOD + SIMULATED), env={})


def test_the_simulator_video_is_allowed_on_a_demo_site(tmp_path):
    config = load_config(write(tmp_path, GOOD.replace('kind = "hall"', 'kind = "hall"\ndemo = true') + SIMULATED),
                         env={})
    assert config.devices.document_camera.source == "var/document-camera.avi"
