"""ID number checks (ISO 7064 MOD 11-2 for 18 characters, the 15-character 2017 foreign card); masks from masking."""
from __future__ import annotations

import logging
import re

from masking import mask_address, mask_id_number, mask_name  # noqa: F401  (the one rule, re-exported for the routers)

logger = logging.getLogger(__name__)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# ASCII digits only: \d would also take full-width (０-９) and Arabic-Indic digits, which int() then reads as 0-9.
_ID18 = re.compile(r"^[0-9]{17}[0-9X]\Z")
_FOREIGN_2017 = re.compile(r"^[A-Z]{3}[0-9]{12}\Z")


def valid_id_number(number: str) -> bool:
    """True for an 18-character number whose check character is right, or a 2017 foreign permanent resident card."""
    if not isinstance(number, str):
        return False
    if _FOREIGN_2017.match(number):
        return True
    if not _ID18.match(number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS))
    return _CHECK[total % 11] == number[17]

