"""Demo data: the persons of docs/demo-persons.md, their cases in every state, properties, kiosks and keys."""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.casework import CHINA, STEPS, TIME_LIMIT_WORKING_DAYS, TITLES, today_in_china
from gateway.digests import sha256_hex
from gateway.models import Case, CaseStep, Kiosk, Person, PickupAgent, Property, PropertyRestriction
from gateway.national_formats import parse_certificate_number, parse_proof_number, parse_unit_number
from gateway.pickup import ensure_signing_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoPerson:
    key: str
    card_type: str
    name: str
    name_en: str | None
    id_number: str
    portrait: str
    phone: str
    city: str


# Exactly the identities of docs/demo-persons.md (invented data; every ID number passes its check digit).
DEMO_PERSONS = (
    DemoPerson("obama", "resident", "欧阳明", None, "110105196108041235", "obama_1.jpg", "13800000001", "北京市朝阳区"),
    DemoPerson("biden", "resident", "白德华", None, "310115194211202341", "biden_1.jpg", "13800000002", "上海市浦东新区"),
    DemoPerson("lin_manuel_miranda", "resident", "林曼努", None, "440305198001163458", "lin_manuel_miranda_1.png",
               "13800000003", "广东省深圳市南山区"),
    DemoPerson("alex_lacamoire", "hmt_permit", "黎艾力", None, "810000197309224567", "alex_lacamoire_1.jpg",
               "13800000004", "北京市海淀区"),
    DemoPerson("rose_leslie", "foreign_2023", "罗丝", "LESLIE, ROSE", "982611198702095671", "rose_leslie_1.jpg",
               "13800000005", "上海市徐汇区"),
    DemoPerson("kit_harington", "foreign_2017", "哈基特", "HARINGTON, KIT", "GBR110861226013", "kit_harington_1.jpg",
               "13800000006", "北京市东城区"),
)

DEMO_KIOSKS = (("demo-hall-01", "hall"), ("demo-bank-01", "bank"), ("demo-locker-01", "locker"))

# One case per status (kind, days since receipt), plus an extended one: every screen state is reachable.
_DEMO_CASES = (
    ("received", "change", 0),
    ("under_review", "mortgage", 2),
    ("tax_assessed", "transfer", 4),
    ("paid", "first_registration", 6),
    ("recorded", "transfer", 12),
    ("certificate_ready", "first_registration", 15),
    ("collected", "mortgage", 30),
    ("rejected", "cancellation", 20),
    ("under_review", "transfer", 16),  # extended
)
_DEMO_STATUSES = tuple(status for status, _kind, _age in _DEMO_CASES)
EXTENSION_REASON = "涉及继承公证材料核查，经批准延长办理时限20个工作日"
REJECTION_REASON = "申请材料不齐全：缺少原不动产权证书"
_STREETS = ("幸福路8号2单元301室", "和平大街16号5幢1102室", "光华里3号楼702室", "阳光花园12栋1801室",
            "滨江苑6号楼1203室", "翠湖小区9幢502室", "长安新城2期4栋2201室", "锦绣家园7号楼603室", "东湖壹号3幢901室")
_AREAS = ("89.50", "126.30", "145.80", "72.00", "98.60", "156.20", "64.40", "110.00", "133.70")


# Each demo city's province (one-character name), the place its certificate numbers name, and its county code.
_ISSUERS = {"北京市朝阳区": ("京", "朝阳区", "110105"), "上海市浦东新区": ("沪", "浦东新区", "310115"),
            "广东省深圳市南山区": ("粤", "深圳市", "440305"), "北京市海淀区": ("京", "海淀区", "110108"),
            "上海市徐汇区": ("沪", "徐汇区", "310104"), "北京市东城区": ("京", "东城区", "110101")}
RIGHT_TYPE = "国有建设用地使用权/房屋所有权"
# Restrictions on demo properties, by (person, case index): every kind appears, with what a proof prints of it.
_RESTRICTIONS = {
    ("obama", 4): [("mortgage", "中国建设银行 示范支行", 150_000_000, None, 0, 20 * 365)],
    ("obama", 5): [("seizure", "北京市朝阳区人民法院", None, "（2026）京0105执保123号", 0, 3 * 365)],
    ("biden", 4): [("advance_notice", "张*（预购商品房买受人）", None, None, 0, None)],
    ("lin_manuel_miranda", 5): [("objection", "李*", None, None, 0, 15),
                                ("mortgage", "招商银行 深圳南山支行", 98_000_000, None, 0, 25 * 365)],
}


def certificate_number(person: DemoPerson, year: int, serial: int, kind: str) -> str:
    """A demo 不动产权证书号 or 不动产登记证明号 of the person's city, checked against its national format."""
    province, place, _county = _ISSUERS[person.city]
    number = f"{province}（{year}）{place}{'不动产证明' if kind == 'mortgage' else '不动产权'}第{serial:07d}号"
    return str(parse_proof_number(number) if kind == "mortgage" else parse_certificate_number(number))


def unit_number(person: DemoPerson, p_index: int, c_index: int) -> str:
    """A demo 不动产单元号: the city's county, a district per person, a parcel per case, building 1, a flat."""
    county = _ISSUERS[person.city][2]
    return str(parse_unit_number(f"{county}001{p_index + 1:03d}GB{c_index + 1:05d}F0001{c_index + 1:02d}01"))


def demo_person(key: str) -> DemoPerson:
    return next(p for p in DEMO_PERSONS if p.key == key)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 30), CHINA).astimezone(dt.timezone.utc)


class DemoRefused(ValueError):
    """Demo data (persons, kiosks and staff with published credentials) would go into a real database."""


def seed_demo(db: Session, today: dt.date | None = None) -> None:
    """Adds the demo persons, cases and properties that are not there yet (safe to run on every start); refuses a
    database that holds any kiosk that is not a demo one."""
    real = db.execute(select(Kiosk.kiosk_id).where(Kiosk.demo.is_(False)).limit(1)).scalar_one_or_none()
    if real is not None:
        raise DemoRefused("this database holds kiosks that are not demo kiosks; demo data (with published "
                          "credentials) is never seeded into it")
    today = today or today_in_china()
    for p_index, person in enumerate(DEMO_PERSONS):
        if db.get(Person, person.id_number) is None:
            db.add(Person(id_number=person.id_number, card_type=person.card_type, name=person.name,
                          name_en=person.name_en, phone=person.phone, portrait_file=person.portrait))
            db.flush()
        for c_index, (status, kind, age) in enumerate(_DEMO_CASES):
            case_id = f"BDC{today.year}{p_index + 1:02d}{c_index + 1:04d}"
            if db.get(Case, case_id) is not None:
                continue
            received = today - dt.timedelta(days=age)
            while received.weekday() >= 5:  # halls take applications on weekdays
                received -= dt.timedelta(days=1)
            extended = c_index == len(_DEMO_CASES) - 1
            address = f"{person.city}{_STREETS[c_index]}"
            case = Case(case_id=case_id, id_number=person.id_number, kind=kind, title=TITLES[kind], status=status,
                        received_on=received, time_limit_working_days=TIME_LIMIT_WORKING_DAYS[kind],
                        extension_working_days=20 if extended else 0,
                        extension_reason=EXTENSION_REASON if extended else None,
                        rejection_reason=REJECTION_REASON if status == "rejected" else None,
                        property_address=address, area_m2=_AREAS[c_index],
                        price_fen=(2_800_000 + 350_000 * c_index + 90_000 * p_index) * 100,
                        first_home=c_index % 2 == 0,
                        certificate_no=(certificate_number(person, today.year,
                                                           (p_index + 1) * 10_000 + c_index + 1, kind)
                                        if status in ("recorded", "certificate_ready", "collected") else None))
            db.add(case)
            db.flush()
            sequence = STEPS[kind]
            upto = sequence.index(status) if status in sequence else 1
            for s_index, step in enumerate(sequence[:upto + 1]):
                day = min(today, received + dt.timedelta(days=s_index * max(1, age // max(1, upto + 1))))
                db.add(CaseStep(case_id=case_id, status=step, at=_at(day, 9 + s_index)))
            if status == "rejected":
                db.add(CaseStep(case_id=case_id, status="rejected", at=_at(min(today, received + dt.timedelta(days=5)), 16)))
            # A demo owner owns what was registered; kit_harington owns nothing (the no-property proof).
            if status in ("recorded", "certificate_ready", "collected") and person.key != "kit_harington" \
                    and kind != "mortgage":
                registered = received + dt.timedelta(days=7)
                db.add(Property(property_id=f"P{case_id[3:]}", id_number=person.id_number, address=address,
                                area_m2=_AREAS[c_index], usage="住宅", certificate_no=case.certificate_no,
                                registered_on=registered, unit_no=unit_number(person, p_index, c_index),
                                share="共同共有" if c_index == 5 else "单独所有", right_type=RIGHT_TYPE,
                                term_start=dt.date(2000 + c_index, 1, 1), term_end=dt.date(2070 + c_index, 1, 1)))
                db.flush()
                for kind_, holder, amount, reference, start, length in _RESTRICTIONS.get((person.key, c_index), ()):
                    db.add(PropertyRestriction(
                        property_id=f"P{case_id[3:]}", kind=kind_, holder=holder, amount_fen=amount,
                        reference=reference, registered_on=registered + dt.timedelta(days=start),
                        ends_on=registered + dt.timedelta(days=length) if length else None, in_force=True))
    _seed_agent(db, today)
    ensure_signing_key(db)
    db.commit()
    logger.info("demo data seeded: %d persons", len(DEMO_PERSONS))


# The demo's registered pickup agent: biden may collect obama's ready certificate from a locker.
DEMO_AGENT = ("obama", "biden")


def _seed_agent(db: Session, today: dt.date) -> None:
    holder, agent = (demo_person(k) for k in DEMO_AGENT)
    case_id = f"BDC{today.year}{DEMO_PERSONS.index(holder) + 1:02d}{_DEMO_STATUSES.index('certificate_ready') + 1:04d}"
    if db.get(Case, case_id) is None or db.execute(select(PickupAgent).where(
            PickupAgent.case_id == case_id, PickupAgent.id_number == agent.id_number)).first():
        return
    db.add(PickupAgent(case_id=case_id, id_number=agent.id_number, registered_at=dt.datetime.now(dt.timezone.utc)))
    db.flush()


def register_kiosk(db: Session, kiosk_id: str, site_kind: str, *, demo: bool = False) -> str:
    """Creates the kiosk or gives it a new API key; returns the key (only its hash is stored)."""
    api_key = secrets.token_urlsafe(32)
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        db.add(Kiosk(kiosk_id=kiosk_id, site_kind=site_kind, api_key_hash=sha256_hex(api_key), enabled=True,
                     demo=demo))
    else:
        kiosk.api_key_hash = sha256_hex(api_key)
        kiosk.site_kind = site_kind
    db.commit()
    return api_key


def demo_credentials(db: Session) -> list[dict]:
    """New API keys for the demo kiosks (keys are stored hashed, so each demo start hands out fresh ones)."""
    return [{"kiosk_id": kiosk_id, "api_key": register_kiosk(db, kiosk_id, kind, demo=True), "site_kind": kind}
            for kiosk_id, kind in DEMO_KIOSKS]


def kiosk_ids(db: Session) -> list[str]:
    return list(db.execute(select(Kiosk.kiosk_id)).scalars())
