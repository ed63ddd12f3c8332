"""Registration and tax systems: the itemised fees and taxes of a case (simulated with published 2024 rates)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

logger = logging.getLogger(__name__)


# The collecting department of each item (统一收缴、平台转分: the applicant pays once, the platform splits the money).
DEPARTMENTS = {"deed_tax": "国家税务总局（契税）", "registration_fee": "不动产登记中心",
               "maintenance_fund": "住房和城乡建设委员会（维修资金管理）"}


@dataclass(frozen=True)
class FeeItem:
    code: str
    name: str
    amount_fen: int
    department: str = ""

    def __post_init__(self):
        if not self.department:
            object.__setattr__(self, "department", DEPARTMENTS.get(self.code, "不动产登记中心"))

    def to_json(self) -> dict:
        return {"code": self.code, "name": self.name, "amount_fen": self.amount_fen, "department": self.department}


class RegistrationSystem(Protocol):
    def registration_fees(self, case) -> list[FeeItem]: ...


class TaxSystem(Protocol):
    def assess(self, case) -> list[FeeItem]: ...


class SimulatedRegistration:
    """Registration fee per case (housing: 80 yuan) and the maintenance fund on a first registration."""

    MAINTENANCE_FUND_FEN_PER_M2 = 5000  # 50 yuan per square metre, a typical municipal rate for multi-storey housing

    def registration_fees(self, case) -> list[FeeItem]:
        items = [FeeItem("registration_fee", "不动产登记费", 8000)]
        if case.kind == "first_registration":
            amount = int(Decimal(case.area_m2) * self.MAINTENANCE_FUND_FEN_PER_M2)
            items.append(FeeItem("maintenance_fund", "住宅专项维修资金", amount))
        return items


class SimulatedTax:
    """Deed tax on a transfer or first registration: 1% (first home up to 140 m², any home up to 140 m²),
    1.5% above 140 m² for a first home, 2% above 140 m² otherwise (the 2024 national policy)."""

    def assess(self, case) -> list[FeeItem]:
        if case.kind not in ("transfer", "first_registration"):
            return []
        area = Decimal(case.area_m2)
        if area <= 140:
            rate = Decimal("0.01")
        else:
            rate = Decimal("0.015") if case.first_home else Decimal("0.02")
        return [FeeItem("deed_tax", "契税", int(case.price_fen * rate))]
