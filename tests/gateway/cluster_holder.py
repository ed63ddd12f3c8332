"""A gateway-like process for the cluster tests: runs one slow cluster job through the real JobRunner, writing
'start <holder>' and 'done <holder>' lines to a file, so a test can kill it mid-job.

    python -m tests.gateway.cluster_holder DATABASE_URL SCHEMA|- JOURNAL JOB_SECONDS LEASE_SECONDS
"""
from __future__ import annotations

import asyncio
import sys

import anyio

from gateway.cluster import ClusterJob, JobRunner
from gateway.db import make_engine


def journal_job(path: str, holder: str, seconds: float):
    async def work():
        with open(path, "a") as f:
            f.write(f"start {holder}\n")
        await anyio.sleep(seconds)
        with open(path, "a") as f:
            f.write(f"done {holder}\n")
    return work


async def main(url: str, schema: str, journal: str, job_s: float, lease_s: float) -> None:
    engine = make_engine(url, schema=None if schema == "-" else schema)
    runner = JobRunner(engine, poll_s=0.05)
    runner.register(ClusterJob("test-slow-job", 3600, journal_job(journal, runner.holder, job_s), lease_s=lease_s))
    await runner.run()


if __name__ == "__main__":
    url, schema, journal, job_s, lease_s = sys.argv[1:6]
    asyncio.run(main(url, schema, journal, float(job_s), float(lease_s)))
