"""The one term chosen for each thing (docs/wording.md), and the terms a line break may never split."""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# thing -> the term used on screens, receipts, slips and PDFs (the terms not to use in brackets, for the doc)
TERMS: dict[str, str] = {
    "case number": "业务编号",  # not 案件编号 / 受理号 on the applicant's side
    "electronic certificate": "电子证照",  # not 电子证书
    "locker compartment": "格口",  # its door: 格口门; not 柜门
    "locker slip": "取件凭条",  # not 领证凭条
    "end of a visit": "结束办理",  # not 办完了
}

# Terms kept on one line (a break inside one makes a new, wrong word: "读/卡区", "待缴税/费")
KEEP_TOGETHER: tuple[str, ...] = (
    "待缴税费", "读卡区", "身份证", "取件码", "业务编号", "电子证照", "格口门", "格口", "取件凭条", "受理回执",
    "名下房产", "无房证明", "不动产", "人工窗口", "二维码", "缴费凭条", "取件柜",
)
