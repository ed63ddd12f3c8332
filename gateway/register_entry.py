"""The whole register entry of a person's property (查档): owner and share, unit number, location, use, area, term and
every restriction in force, as a proof prints it; the purposes a hall accepts for a proof; restrictions in plain words.
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gateway.casework import today_in_china
from gateway.models import Property, PropertyRestriction
from gateway.national_formats import FormatRefused, parse_unit_number

logger = logging.getLogger(__name__)

# The purposes the hall's form lists (查询目的), printed on the proof: code -> (中文, English).
PURPOSES = {
    "transaction": ("房屋交易", "Property sale or purchase"),
    "loan": ("贷款抵押", "Mortgage loan"),
    "school": ("子女入学", "School enrolment"),
    "household": ("户籍迁移", "Household registration"),
    "inheritance": ("继承公证", "Inheritance and notarisation"),
    "litigation": ("诉讼仲裁", "Litigation or arbitration"),
    "housing_benefit": ("住房保障申请", "Housing benefit application"),
    "other": ("其他", "Other"),
}

# Restriction kinds (限制状况) -> (中文, English).
RESTRICTION_KINDS = {
    "mortgage": ("抵押", "Mortgage"),
    "seizure": ("查封", "Seizure"),
    "advance_notice": ("预告登记", "Advance notice"),
    "objection": ("异议登记", "Objection"),
}


# A seizure ends when its term does (查封期限届满) and an objection lapses at its end date (异议登记失效) unless renewed;
# a mortgage or an advance notice stays in force until it is cancelled (in_force cleared), whatever its end date.
LAPSING_KINDS = ("seizure", "objection")


def in_force_on(table, today):
    """The SQL condition of a restriction in force on `today` (table: PropertyRestriction or its Table)."""
    columns = getattr(table, "c", table)
    return and_(columns.in_force.is_(True),
                or_(columns.kind.not_in(LAPSING_KINDS), columns.ends_on.is_(None), columns.ends_on >= today))


class UnknownProperty(LookupError):
    """A unit number asked for is not among the applicant's registered properties."""


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def restriction_json(r: PropertyRestriction) -> dict:
    return {"kind": r.kind, "holder": r.holder, "amount_fen": r.amount_fen, "reference": r.reference,
            "registered_on": _date(r.registered_on), "ends_on": _date(r.ends_on)}


def restriction_words(r: dict, language: str = "zh") -> str:
    """One restriction as a person reads it: what, who, how much, until when."""
    amount = r.get("amount_fen")
    yuan = f"{amount / 100:,.2f}" if amount else None
    ends = r.get("ends_on")
    if language == "en":
        text = {"mortgage": f"Mortgaged to {r['holder']}" + (f", securing CNY {yuan}" if yuan else ""),
                "seizure": f"Seized by {r['holder']}",
                "advance_notice": f"Advance notice registered for {r['holder']}",
                "objection": f"Objection registered by {r['holder']}"}[r["kind"]]
        return text + (f" (until {ends})" if ends else "")
    text = {"mortgage": f"已抵押给{r['holder']}" + (f"，担保债权 {yuan} 元" if yuan else ""),
            "seizure": f"已被{r['holder']}查封",
            "advance_notice": f"已办理预告登记，预告权利人：{r['holder']}",
            "objection": f"存在异议登记，异议人：{r['holder']}"}[r["kind"]]
    return text + (f"（至{ends}）" if ends else "")


def restrictions_in_force(db: Session, property_ids: list[str], today: dt.date | None = None) -> dict[str, list[dict]]:
    if not property_ids:
        return {}
    rows = db.execute(select(PropertyRestriction).where(PropertyRestriction.property_id.in_(property_ids),
                                                         in_force_on(PropertyRestriction, today or today_in_china()))
                      .order_by(PropertyRestriction.registered_on, PropertyRestriction.id)).scalars()
    found: dict[str, list[dict]] = {p: [] for p in property_ids}
    for row in rows:
        found[row.property_id].append(restriction_json(row))
    return found


def entry_json(p: Property, restrictions: list[dict]) -> dict:
    return {"property_id": p.property_id, "certificate_no": p.certificate_no, "unit_no": p.unit_no,
            "address": p.address, "share": p.share or "单独所有", "right_type": p.right_type or "",
            "usage": p.usage, "area_m2": p.area_m2, "registered_on": p.registered_on.isoformat(),
            "term_start": _date(p.term_start), "term_end": _date(p.term_end), "restrictions": restrictions}


def register_entries(db: Session, id_number: str, unit_numbers: list[str] | None = None) -> list[dict]:
    """Every property of id_number (unit_numbers None) or the ones named; each with its restrictions in force.

    A unit number badly formed raises FormatRefused, one that is not the person's raises UnknownProperty."""
    wanted = None
    if unit_numbers is not None:
        wanted = [str(parse_unit_number(u)) for u in unit_numbers]
        if not wanted:
            raise FormatRefused("name at least one 不动产单元号, or none to choose every property")
    owned = list(db.execute(select(Property).where(Property.id_number == id_number)
                            .order_by(Property.registered_on, Property.property_id)).scalars())
    if wanted is not None:
        by_unit = {p.unit_no: p for p in owned}
        missing = [u for u in wanted if u not in by_unit]
        if missing:
            raise UnknownProperty(f"{len(missing)} of the unit numbers asked for are not the applicant's")
        owned = [by_unit[u] for u in dict.fromkeys(wanted)]
    restrictions = restrictions_in_force(db, [p.property_id for p in owned])
    return [entry_json(p, restrictions[p.property_id]) for p in owned]
