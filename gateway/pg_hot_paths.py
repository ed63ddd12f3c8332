"""The PostgreSQL hot paths, each one statement in one round trip: a heartbeat (kiosk lookup, rate count, the
heartbeat row and its pending commands) and an applicant's case list (kiosk, rate count, token, cases and steps)."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from dataclasses import dataclass

from psycopg import OperationalError as PsycopgOperationalError
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Engine

from gateway.case_certificates import PG_CERTIFICATES_LATERAL, from_pg

logger = logging.getLogger(__name__)

# One statement: the data-modifying CTEs all run, in one snapshot, whatever the final SELECT reads. A heartbeat that
# changes a device status (whose audit entry must be written in the same transaction) writes nothing here and says
# so (`changed`): the caller takes the general path for it. So does one whose audit log head goes backwards
# (gateway.routers.fleet.audit_rollback: refused there, with its alert). The head kept is the new one with any
# earlier rollback flag carried on, or the old one when none is sent (fleet._audit_head_to_store). Old rate windows
# of the kiosk are forgotten on the way.
HEARTBEAT_SQL = """
WITH k AS (
    SELECT kiosk_id, enabled, devices, audit_head::jsonb AS head FROM kiosks WHERE api_key_hash = %(key_hash)s
), ok AS (
    SELECT kiosk_id, devices, head FROM k WHERE enabled AND (NOT %(require_cert)s OR kiosk_id = %(cert)s)
), changed AS (
    SELECT 1 FROM ok
    WHERE (ok.devices IS NOT NULL AND ok.devices::jsonb <> '{}'::jsonb
           AND EXISTS (SELECT 1 FROM jsonb_each(%(devices)s::jsonb) AS n
                       WHERE (ok.devices::jsonb -> n.key) IS DISTINCT FROM n.value))
       OR (%(head_sent)s AND ok.head IS NOT NULL AND jsonb_typeof(ok.head) = 'object'
           AND (%(head_seq)s::bigint IS NULL OR %(head_seq)s::bigint < (ok.head ->> 'seq')::bigint
                OR (%(head_seq)s::bigint = (ok.head ->> 'seq')::bigint AND %(head_hash)s::text <> ok.head ->> 'hash')))
), rate AS (
    INSERT INTO rate_windows (kiosk_id, window_start, count)
    SELECT kiosk_id, %(window)s, 1 FROM ok WHERE %(limit)s > 0 AND NOT EXISTS (SELECT 1 FROM changed)
    ON CONFLICT (kiosk_id, window_start) DO UPDATE SET count = rate_windows.count + 1
    RETURNING count
), forget AS (
    DELETE FROM rate_windows WHERE kiosk_id = (SELECT kiosk_id FROM ok) AND window_start < %(window)s
      AND %(limit)s > 0 AND NOT EXISTS (SELECT 1 FROM changed)
), hb AS (
    UPDATE kiosks SET last_heartbeat_at = %(now)s, devices = %(devices)s::json, stock = %(stock)s::json,
                      outbox_depth = %(outbox_depth)s, version = %(version)s, uptime_s = %(uptime_s)s,
                      heartbeat_extra = %(extra)s::json,
                      audit_head = CASE WHEN %(head_seq)s::bigint IS NULL THEN kiosks.audit_head
                          ELSE (jsonb_build_object('seq', %(head_seq)s::bigint, 'hash', %(head_hash)s::text)
                                || CASE WHEN jsonb_typeof(ok.head) = 'object' AND ok.head ? 'rollback'
                                        THEN jsonb_build_object('rollback', ok.head -> 'rollback')
                                        ELSE '{}'::jsonb END)::json END
    FROM ok WHERE kiosks.kiosk_id = ok.kiosk_id AND NOT EXISTS (SELECT 1 FROM changed)
      AND (%(limit)s <= 0 OR (SELECT count FROM rate) <= %(limit)s)
    RETURNING kiosks.kiosk_id
), cmds AS (
    UPDATE kiosk_commands AS c SET delivered_at = %(now)s FROM hb
    WHERE c.kiosk_id = hb.kiosk_id
      AND (c.delivered_at IS NULL OR (c.done_at IS NULL AND c.delivered_at < %(redeliver_before)s))
    RETURNING c.command_id, c.kind, c.args, c.created_at
)
SELECT (SELECT kiosk_id FROM k), (SELECT enabled FROM k), EXISTS (SELECT 1 FROM changed), (SELECT count FROM rate),
       json_build_object('commands', COALESCE((SELECT json_agg(json_build_object(
           'command_id', command_id, 'kind', kind, 'args', args) ORDER BY created_at, command_id) FROM cmds),
           '[]'::json))::text
"""

# The token, the kiosk and the rate count in a header row, the person's cases (newest first) each with its steps as
# two arrays and the restrictions in force on its property (gateway.register_entry.in_force_on) as JSON, joined on
# to it: one row when there is no case (or the token does not hold).
CASE_LIST_SQL = """
WITH k AS (
    SELECT kiosk_id, enabled FROM kiosks WHERE api_key_hash = %(key_hash)s
), ok AS (
    SELECT kiosk_id FROM k WHERE enabled AND (NOT %(require_cert)s OR kiosk_id = %(cert)s)
), rate AS (
    INSERT INTO rate_windows (kiosk_id, window_start, count)
    SELECT kiosk_id, %(window)s, 1 FROM ok WHERE %(limit)s > 0
    ON CONFLICT (kiosk_id, window_start) DO UPDATE SET count = rate_windows.count + 1
    RETURNING count
), hdr AS (
    SELECT (SELECT kiosk_id FROM k) AS kiosk_id, (SELECT enabled FROM k) AS enabled,
           (SELECT count FROM rate) AS rate_count, t.kiosk_id AS token_kiosk, t.expires_at, t.id_number,
           t.method AS token_method
    FROM (SELECT 1) AS one LEFT JOIN applicant_tokens AS t ON t.token_hash = %(token_hash)s
)
SELECT hdr.kiosk_id, hdr.enabled, hdr.rate_count, hdr.token_kiosk, hdr.expires_at,
       c.case_id, c.kind, c.title, c.status, c.received_on, c.time_limit_working_days, c.extension_working_days,
       c.extension_reason, c.rejection_reason, s.statuses, s.ats, r.restrictions::text, hdr.token_method, certs.certificates::text
FROM hdr
LEFT JOIN cases AS c ON c.id_number = hdr.id_number AND hdr.token_kiosk = hdr.kiosk_id AND hdr.enabled
                        AND hdr.expires_at > %(now)s
LEFT JOIN LATERAL (SELECT array_agg(cs.status ORDER BY cs.id) AS statuses, array_agg(cs.at ORDER BY cs.id) AS ats
                   FROM case_steps AS cs WHERE cs.case_id = c.case_id) AS s ON c.case_id IS NOT NULL
LEFT JOIN LATERAL (SELECT json_agg(json_build_object('kind', pr.kind, 'holder', pr.holder, 'amount_fen', pr.amount_fen,
                                                     'ends_on', pr.ends_on) ORDER BY pr.registered_on, pr.id)
                          AS restrictions
                   FROM property_restrictions AS pr JOIN properties AS p ON p.property_id = pr.property_id
                   WHERE p.id_number = hdr.id_number AND p.address = c.property_address AND pr.in_force
                     AND (pr.kind <> ALL(%(lapsing)s) OR pr.ends_on IS NULL OR pr.ends_on >= %(today)s))
                  AS r ON c.case_id IS NOT NULL
""" + PG_CERTIFICATES_LATERAL + """
ORDER BY c.received_on DESC, c.case_id
"""


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


POOL_MAX = 10  # connections per gateway process for the hot paths (the engine's pool serves everything else)


class HotPathPool:
    """Asynchronous autocommit connections of one gateway process for the hot paths (psycopg_pool), awaited in the
    event loop: no worker-thread hop, no ping before use, the statement prepared after its first use unless a
    transaction-pooling PgBouncer is in front (it cannot keep prepared statements). Per event loop (a test's client
    runs its own); closed with the app (gateway.background)."""

    def __init__(self, engine: Engine, prepared: bool):
        connect = engine.hot_path_connect
        self._conninfo = connect["conninfo"]
        self._kwargs = {k: v for k, v in connect["kwargs"].items() if k != "prepare_threshold"}
        self._kwargs.update(autocommit=True, prepare_threshold=0 if prepared else None,
                            application_name="kiosk-gateway-hot-paths")
        self._pools: dict[asyncio.AbstractEventLoop, AsyncConnectionPool] = {}

    async def _pool(self) -> AsyncConnectionPool:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            for old_loop in [other for other in self._pools if other.is_closed()]:
                del self._pools[old_loop]  # a finished test's loop: its connections went with it
            pool = AsyncConnectionPool(self._conninfo, kwargs=self._kwargs, min_size=1, max_size=POOL_MAX,
                                       open=False, name="gateway-hot-paths")
            self._pools[loop] = pool
            await pool.open()
        return pool

    async def fetchall(self, sql: str, params: dict) -> list[tuple]:
        """One statement, one round trip; a connection found broken is dropped by the pool (with every other idle
        one that broke too) and the statement tried once more on a fresh one."""
        pool = await self._pool()
        for attempt in (1, 2):
            try:
                async with pool.connection() as conn:
                    cursor = await conn.execute(sql, params)
                    return await cursor.fetchall()
            except PsycopgOperationalError:
                if attempt == 2:
                    raise
                logger.warning("database connection lost; retrying on a new one")
                await pool.check()  # the others went with it (a server or PgBouncer restart): drop them all
        raise AssertionError("unreachable")

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        pool = self._pools.pop(loop, None)
        if pool is not None:
            await pool.close()


def hot_path_pool(state) -> HotPathPool:
    """The app's pool (app.state), made on first use."""
    pool = getattr(state, "hot_path_pool", None)
    if pool is None:
        pool = state.hot_path_pool = HotPathPool(state.engine, state.settings.database_prepared_statements)
    return pool


@dataclass(frozen=True)
class HeartbeatOutcome:
    """What the heartbeat statement found: `reply` (JSON text) when it was recorded."""

    kiosk_id: str | None
    enabled: bool | None
    changed: bool
    rate_count: int | None
    reply: str | None


async def heartbeat(pool: HotPathPool, *, key_hash: str, cert: str | None, require_cert: bool, limit: int, body,
                    extra: dict | None, now: dt.datetime, redeliver_before: dt.datetime) -> HeartbeatOutcome:
    window = int(now.timestamp() // 60) * 60
    params = {"key_hash": key_hash, "cert": cert, "require_cert": require_cert, "window": window, "limit": limit,
              "now": _naive_utc(now), "redeliver_before": _naive_utc(redeliver_before),
              "devices": json.dumps(body.devices), "stock": json.dumps(body.stock),
              "outbox_depth": body.outbox_depth, "version": body.version, "uptime_s": body.uptime_s,
              "extra": json.dumps(extra) if extra is not None else None,
              "head_sent": "audit_head" in body.model_fields_set,
              "head_seq": body.audit_head.seq if body.audit_head is not None else None,
              "head_hash": body.audit_head.hash if body.audit_head is not None else None}
    kiosk_id, enabled, changed, count, reply = (await pool.fetchall(HEARTBEAT_SQL, params))[0]
    recorded = kiosk_id is not None and enabled and not changed and (limit <= 0 or (count or 0) <= limit) and (
        not require_cert or cert == kiosk_id)
    return HeartbeatOutcome(kiosk_id, enabled, bool(changed), count, reply if recorded else None)


@dataclass(frozen=True)
class CaseRow:
    """The columns of a case that gateway.casework.case_json reads."""

    case_id: str
    kind: str
    title: str
    status: str
    received_on: dt.date
    time_limit_working_days: int
    extension_working_days: int | None
    extension_reason: str | None
    rejection_reason: str | None


@dataclass(frozen=True)
class StepRow:
    status: str
    at: dt.datetime


async def case_list(pool: HotPathPool, *, key_hash: str, token_hash: str, cert: str | None, require_cert: bool,
                    limit: int, now: dt.datetime, today: dt.date):
    """(kiosk_id, enabled, rate count, the token's kiosk, its expiry (aware), the token's method,
    [(CaseRow, [StepRow], [restriction], [certificate])]) with each restriction and certificate as the case list
    answers it."""
    from gateway.register_entry import LAPSING_KINDS

    window = int(now.timestamp() // 60) * 60
    rows = await pool.fetchall(CASE_LIST_SQL, {
        "key_hash": key_hash, "token_hash": token_hash, "cert": cert, "require_cert": require_cert,
        "window": window, "limit": limit, "now": _naive_utc(now), "today": today,
        "lapsing": list(LAPSING_KINDS)})
    first = rows[0]
    expires = first[4].replace(tzinfo=dt.timezone.utc) if first[4] is not None else None
    cases = []
    for row in rows:
        if row[5] is None:
            continue
        steps = [StepRow(status, at.replace(tzinfo=dt.timezone.utc)) for status, at in zip(row[14] or [], row[15] or [])]
        cases.append((CaseRow(*row[5:14]), steps, json.loads(row[16]) if row[16] else [],
                      from_pg(json.loads(row[18]) if row[18] else None)))
    return first[0], first[1], first[2], first[3], expires, first[17], cases
