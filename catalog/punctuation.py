"""Chinese line-breaking punctuation (GB/T 15834 practice): the one table for the screens, the receipt and the PDFs.

Closing punctuation never starts a line and opening punctuation never ends one. The screens (screens/linebreak.py)
and the receipt printer (peripherals/printer/layout.py) break lines by these sets; pdfparts teaches them to
reportlab's CJK wrapping, whose own table is Japanese and lacks "，", "；", "：", "》" and their like.
"""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

NO_LINE_START = frozenset("，。、；：！？）》」』】〕〉”’…—%,.;:!?)]}")
NO_LINE_END = frozenset("（《「『【〔〈“‘￥([{")
