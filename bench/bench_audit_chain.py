"""Cost of the gateway's hash-chained audit append against a plain audit insert, one transaction each, same database.

    .venv/bin/python bench/bench_audit_chain.py [--entries 2000] [--database URL]

Prints entries per second for both and the ratio (chained / plain); then the time to verify the whole chain.
"""
from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from gateway.audit_chain import append, verify_chain
from gateway.db import make_engine, make_sessionmaker, migrate
from gateway.models import AuditEntry, utcnow

logger = logging.getLogger(__name__)


def run(sessionmaker, n: int, chained: bool) -> float:
    start = time.perf_counter()
    for i in range(n):
        with sessionmaker() as db:
            if chained:
                append(db, "kiosk-1", "kiosk_event", "audit", {"i": i})
            else:
                db.execute(insert(AuditEntry).values(at=utcnow(), actor="kiosk-1", action="kiosk_event",
                                                     subject="audit", detail={"i": i}))
            db.commit()
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.database or f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate(engine)
        sm = make_sessionmaker(engine)
        run(sm, 100, True)  # warm-up
        plain = run(sm, args.entries, False)
        chained = run(sm, args.entries, True)
        print(f"plain insert:   {plain:8.0f} entries/s (baseline)")
        print(f"chained append: {chained:8.0f} entries/s  ratio {chained / plain:.2f} of the baseline")
        with sm() as db:
            db.execute(AuditEntry.__table__.delete().where(AuditEntry.seq.is_(None)))  # the unchained baseline rows
            db.commit()
            start = time.perf_counter()
            report = verify_chain(db)
            took = time.perf_counter() - start
        assert report.ok, report.problems
        print(f"verify: {report.entries} entries in {took:.2f} s ({report.entries / took:.0f} entries/s)")
        engine.dispose()


if __name__ == "__main__":
    main()
