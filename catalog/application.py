"""Plain-language texts (zh_CN, en) for one-window application (一窗受理): the document camera's capture messages.

catalog/i18n.py takes them in with **APPLICATION_MESSAGES.
"""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# key: (zh_CN, en); the capture keys are peripherals.document_camera.capture.Rejection values.
APPLICATION_MESSAGES: dict[str, tuple[str, str]] = {
    "capture_no_page": ("请把材料平放在高拍仪下方的台面上。",
                        "Please lay the page flat on the desk under the document camera."),
    "capture_cut_off": ("材料没有完整拍到。请把整页放在台面中间，四个角都要在框内。",
                        "Part of the page is outside the picture. Put the whole page in the middle, all four "
                        "corners inside the frame."),
    "capture_blurred": ("照片模糊。请放平材料，手离开后稍等一下。",
                        "The picture is blurred. Lay the page flat, take your hand away and wait a moment."),
    "capture_glare": ("材料有反光，看不清。请把材料稍微挪动一下，避开灯光。",
                      "Light is reflecting off the page. Move the page a little, away from the light."),
    "capture_page_kept": ("第{page}页已拍好。可以放下一页，或者点“完成”。",
                          "Page {page} is done. Put down the next page, or tap \u201cDone\u201d."),
    "capture_retake": ("重拍这一页", "Retake this page"),
    # case status of an application returned in pre-review (gateway/application_status.py)
    "next.provide_correction": ("材料需要补正。请带上列出的材料，到任意一台自助终端补交。",
                                "Something is missing. Bring the materials listed to any self-service kiosk."),
}
