"""source/retry.py: the one retry policy of GH Archive downloads and GitHub's API client."""
from __future__ import annotations

import email.utils

import httpx
from hypothesis import given, strategies as st

from starscope.source.retry import RetryPolicy, retry_after_seconds


def headers(**kw) -> httpx.Headers:
    return httpx.Headers({k.replace("_", "-"): v for k, v in kw.items()})


@given(st.integers(1, 30), st.floats(0.001, 10), st.floats(0.001, 100), st.floats(0, 0.5))
def test_backoff_doubles_within_jitter_and_cap(attempt, base, cap, jitter):
    p = RetryPolicy(backoff=base, max_backoff=cap, jitter=jitter)
    plain = min(cap, base * 2 ** (attempt - 1))
    d = p.backoff_delay(attempt)
    assert plain * (1 - jitter) - 1e-9 <= d <= plain * (1 + jitter) + 1e-9


def test_gives_up_after_the_retries():
    p = RetryPolicy(retries=2)
    assert [p.gives_up(a) for a in (1, 2, 3)] == [False, False, True]
    assert all(p.retryable(s) for s in (408, 425, 429, 500, 502, 503, 504, 599))
    assert not any(p.retryable(s) for s in (200, 304, 400, 401, 403, 404, 410, 451))


def test_retry_after_in_seconds_or_as_a_date():
    now = 1_800_000_000.0
    assert retry_after_seconds("7", now) == 7.0
    date = email.utils.formatdate(now + 42, usegmt=True)
    assert retry_after_seconds(date, now) == 42.0
    assert retry_after_seconds(email.utils.formatdate(now - 5, usegmt=True), now) == 0.0
    assert retry_after_seconds("soon", now) is None


def test_rate_limits_as_github_documents_them():
    p = RetryPolicy(secondary_wait=60)
    now = 1_800_000_000.0
    # Retry-After first, on 403, 429 and 503
    for status in (403, 429, 503):
        assert p.server_wait(status, headers(retry_after="30"), "", now)[0] == 30.0
    # the primary limit used up: until the reset (+1 s), from the header or the caller's clock
    h = headers(x_ratelimit_remaining="0", x_ratelimit_reset=str(int(now) + 100))
    assert p.server_wait(403, h, "API rate limit exceeded", now)[0] == 101.0
    assert p.server_wait(403, h, "", now, reset_in=10.0)[0] == 11.0
    # a secondary limit said only in the message (or a bare 429): a minute, doubling
    msg = "You have exceeded a secondary rate limit."
    assert [p.server_wait(403, headers(), msg, now, waits=w)[0] for w in range(3)] == [60, 120, 240]
    assert p.server_wait(429, headers(), "", now)[0] == 60
    # not a rate limit: a forbidden repo, a plain 503, a 500
    assert p.server_wait(403, headers(x_ratelimit_remaining="4999"), "Must have admin rights", now) is None
    assert p.server_wait(503, headers(), "", now) is None
    assert p.server_wait(500, headers(retry_after="5"), "", now) is None
