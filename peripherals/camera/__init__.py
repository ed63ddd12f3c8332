"""Camera: an OpenCV device (index, /dev/video*, RTSP) or a video/image file standing in for one."""
from peripherals.camera.device import Camera, CameraError, Frame, camera_from_config
from peripherals.camera.source import CameraSource, SourceKind, SourceUnavailable, parse_source

__all__ = ["Camera", "CameraError", "CameraSource", "Frame", "SourceKind", "SourceUnavailable", "camera_from_config",
           "parse_source"]
