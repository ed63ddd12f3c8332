"""Retry delays: capped exponential growth with full jitter and a floor."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, strategies as st

from offline_cache.backoff import retry_delay


@given(st.integers(min_value=1, max_value=10_000), st.floats(0.01, 10), st.floats(1, 1000), st.integers(0, 2**32))
def test_always_between_floor_and_cap(attempts, base, cap_factor, seed):
    cap = base * cap_factor
    delay = retry_delay(attempts, base_s=base, cap_s=cap, rng=random.Random(seed))
    assert min(base / 2, cap) <= delay <= min(cap, base * 2.0 ** min(attempts - 1, 62)) + 1e-9


def test_no_failures_no_wait():
    assert retry_delay(0) == 0.0


def test_grows_then_caps():
    rng = random.Random(1)
    means = [sum(retry_delay(n, base_s=1, cap_s=60, rng=rng) for _ in range(400)) / 400 for n in range(1, 10)]
    assert means[0] < means[2] < means[4] < means[5]
    assert all(m <= 60 for m in means)
    assert means[-1] == pytest.approx(30.25, rel=0.15)  # uniform(0.5, 60) once capped


def test_jitter_spreads_kiosks_apart():
    rng = random.Random(2)
    delays = {round(retry_delay(6, base_s=1, cap_s=300, rng=rng), 3) for _ in range(100)}
    assert len(delays) > 90


def test_bad_settings_refused():
    with pytest.raises(ValueError, match=r"need 0 < base_s <= cap_s"):
        retry_delay(1, base_s=0)
    with pytest.raises(ValueError, match=r"need 0 < base_s <= cap_s"):
        retry_delay(1, base_s=10, cap_s=5)
