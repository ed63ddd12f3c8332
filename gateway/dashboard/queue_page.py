"""The dashboard's queue page (/dashboard/queue): who waits for which business in each hall today, and, while the
simulated queue-management adapter stands for the hall's calling system, its "call next" button."""
from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from gateway import queue_system
from gateway.dashboard.router import _identity, _operator_form, _page, _reader, _secure, _to_login
from gateway.deps import Db

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/dashboard", include_in_schema=False)


def waiting_today(db) -> list[dict]:
    rows = db.execute(select(queue_system.QueueTicket.hall, queue_system.QueueTicket.business,
                             queue_system.QueueTicket.appointment.is_not(None), func.count())
                      .where(queue_system.QueueTicket.day == queue_system.today(),
                             queue_system.QueueTicket.called.is_(False))
                      .group_by(queue_system.QueueTicket.hall, queue_system.QueueTicket.business,
                                queue_system.QueueTicket.appointment.is_not(None))).all()
    return [{"hall": hall, "business": business, "name": queue_system.BUSINESSES[business][1],
             "appointment": bool(appointment), "waiting": count}
            for hall, business, appointment, count in sorted(rows)]


@router.get("/queue")
def queue_page(request: Request, db: Db) -> Response:
    identity = _identity(request, db)
    if identity is None:
        return _to_login()
    simulated = not request.app.state.settings.production
    with _reader(request) as read_db:
        queues = waiting_today(read_db)
        read_db.rollback()
    return _page(request, "queue.html", {"me": identity, "queues": queues, "simulated": simulated})


@router.post("/queue/call-next")
def call_next(request: Request, db: Db, hall: Annotated[str, Form(max_length=64)] = "",
              business: Annotated[str, Form(max_length=16)] = "", appointment: Annotated[str, Form(max_length=3)] = "",
              csrf: Annotated[str, Form(max_length=64)] = "") -> Response:
    """The simulated calling system: the next ticket of that queue is called (refused on a production gateway)."""
    identity, refusal = _operator_form(request, db, csrf, "call the next ticket")
    if refusal is not None:
        return refusal
    queue_system.queue_system(request.app.state.settings)  # 503 on a production gateway
    if business not in queue_system.BUSINESSES:
        return _page(request, "message.html", {"me": identity, "message": "No such queue."}, status=404)
    queue_system.call_next(db, hall, business, appointment == "yes")
    return _secure(RedirectResponse("/dashboard/queue", status_code=303))
