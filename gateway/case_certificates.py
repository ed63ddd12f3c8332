"""The certificates of each case as case status shows them: each copy's receive method and, for a courier parcel,
its tracking steps (the waybill masked, no address or place); one form for the general and the PostgreSQL paths."""
from __future__ import annotations

from sqlalchemy import bindparam, select

from gateway.certificate_models import CertificateCopy, CertificateShipment

_copies = CertificateCopy.__table__
_shipments = CertificateShipment.__table__
_COPIES_OF = (select(_copies.c.case_id, _copies.c.copy_id, _copies.c.status, _copies.c.receive_method)
              .where(_copies.c.case_id.in_(bindparam("case_ids", expanding=True))).order_by(_copies.c.copy_id))
_SHIPMENTS_OF = (select(_shipments.c.copy_id, _shipments.c.waybill_no, _shipments.c.status, _shipments.c.events)
                 .where(_shipments.c.copy_id.in_(bindparam("copy_ids", expanding=True)))
                 .order_by(_shipments.c.created_at, _shipments.c.waybill_no))

# The PostgreSQL one-statement path's part (gateway/pg_hot_paths.py): the same rows as JSON, per case.
PG_CERTIFICATES_LATERAL = """
LEFT JOIN LATERAL (SELECT json_agg(json_build_object(
                       'copy_id', cc.copy_id, 'status', cc.status, 'receive_method', cc.receive_method,
                       'shipments', COALESCE((SELECT json_agg(json_build_object(
                           'waybill_no', sh.waybill_no, 'status', sh.status, 'events', sh.events)
                           ORDER BY sh.created_at, sh.waybill_no)
                           FROM certificate_shipments AS sh WHERE sh.copy_id = cc.copy_id), '[]'::json))
                       ORDER BY cc.copy_id) AS certificates
                   FROM certificate_copies AS cc WHERE cc.case_id = c.case_id) AS certs ON c.case_id IS NOT NULL
"""


def mask_waybill(number: str) -> str:
    """The waybill as a screen shows it: enough to tell parcels apart and match the courier's SMS."""
    return number if len(number) <= 6 else number[:2] + "*" * (len(number) - 6) + number[-4:]


def copy_json(copy_id: str, status: str, receive_method: str | None, shipments: list[dict]) -> dict:
    return {"copy_id": copy_id, "status": status, "receive_method": receive_method,
            "shipments": [{"waybill": mask_waybill(s["waybill_no"]), "status": s["status"],
                           "steps": [{"status": e.get("status"), "at": e.get("at")} for e in (s["events"] or [])]}
                          for s in shipments]}


def from_pg(raw: list[dict] | None) -> list[dict]:
    """The PostgreSQL statement's JSON of one case, in the common form."""
    return [copy_json(c["copy_id"], c["status"], c["receive_method"], c["shipments"]) for c in raw or []]


def certificates_by_case(db, case_ids: list[str]) -> dict[str, list[dict]]:
    """Each case's certificate copies in the common form (db: a Connection or a Session)."""
    found: dict[str, list[dict]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    copies = db.execute(_COPIES_OF, {"case_ids": case_ids}).all()
    shipments: dict[str, list[dict]] = {}
    if copies:
        for row in db.execute(_SHIPMENTS_OF, {"copy_ids": [c.copy_id for c in copies]}):
            shipments.setdefault(row.copy_id, []).append(dict(row._mapping))
    for c in copies:
        found[c.case_id].append(copy_json(c.copy_id, c.status, c.receive_method, shipments.get(c.copy_id, [])))
    return found
