"""The public proof verification page is rate-limited per client address, in the database."""
from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient

from gateway.app import create_app


def test_verify_is_limited_per_client_across_gateway_processes(engine, settings, credentials):
    limited = dataclasses.replace(settings, verify_rate_limit_per_minute=5)
    # Two apps over one database: what two gateway processes behind one address share.
    first = TestClient(create_app(limited, engine=engine))
    second = TestClient(create_app(dataclasses.replace(limited, run_migrations=False), engine=engine))
    with first, second:
        answers = [first.get(f"/verify/GUESS{i:04d}").status_code for i in range(3)]
        answers += [second.get(f"/verify/GUESS{i:04d}").status_code for i in range(3, 5)]
        assert answers == [404] * 5
        refused = second.get("/verify/GUESS9999")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "查询过于频繁" in refused.text
        assert first.get("/verify/GUESS9998").status_code == 429
        other = TestClient(create_app(dataclasses.replace(limited, run_migrations=False), engine=engine),
                           client=("203.0.113.9", 50000))
        with other:
            assert other.get("/verify/GUESS0001").status_code == 404  # another address has its own count
