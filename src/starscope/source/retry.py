"""One retry policy for the sources that talk HTTP: GH Archive downloads (gharchive.py) and
GitHub's REST API (github.py).

* Transient failures (5xx, 408, 425, 429, timeouts, dropped connections, cut-off bodies) are
  retried up to `retries` times after the first try, `backoff * 2**k` seconds apart (capped at
  `max_backoff`, +-`jitter` so that many clients do not come back in step).
* A server that says when to come back is believed: `Retry-After` (seconds or an HTTP date);
  GitHub's primary limit used up (`x-ratelimit-remaining: 0`: until `x-ratelimit-reset`, +1 s
  since the reset is in whole seconds); a secondary limit said only in a 403/429's message: at
  least `secondary_wait`, doubling on each repeat (GitHub: "wait at least one minute",
  "exponentially increasing"). GitHub documents these for its REST API; GH Archive sends none
  of them today, but honouring `Retry-After` costs nothing.
"""
from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass
from typing import Mapping

#: statuses worth asking again (with any other 5xx)
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How a source asks again: ``retries`` times with exponential ``backoff`` (capped,
    jittered), and for a secondary rate limit ``secondary_wait`` doubling at most
    ``max_secondary_doublings`` times (GitHub's advice for its secondary limits)."""
    retries: int = 4
    backoff: float = 1.0
    max_backoff: float = 30.0
    jitter: float = 0.25
    secondary_wait: float = 60.0
    max_secondary_doublings: int = 5

    def retryable(self, status: int) -> bool:
        return status in RETRY_STATUS or 500 <= status < 600

    def gives_up(self, attempt: int) -> bool:
        """`attempt`: failed tries so far (1 after the first)."""
        return attempt > self.retries

    def backoff_delay(self, attempt: int) -> float:
        """The pause before try `attempt + 1`: backoff, 2*backoff, 4*backoff, ... capped."""
        d = min(self.max_backoff, self.backoff * 2 ** max(0, attempt - 1))
        return d * random.uniform(1 - self.jitter, 1 + self.jitter) if self.jitter else d

    def server_wait(self, status: int, headers: Mapping[str, str], text: str, now: float,
                    waits: int = 0, reset_in: float | None = None) -> tuple[float, str] | None:
        """(seconds, why) when the answer is a rate limit that says (or implies) how long to
        wait; None otherwise. `headers`: case-insensitive (httpx's). `waits`: rate-limit waits
        for this request so far. `reset_in`: seconds to `x-ratelimit-reset` measured on the
        server's clock, if the caller knows it (else from the header against `now`)."""
        if status not in (403, 429, 503):
            return None
        retry_after = headers.get("retry-after")
        if retry_after is not None:
            secs = retry_after_seconds(retry_after, now)
            if secs is not None:
                return secs, f"rate limited: retry-after {retry_after}"
        if status == 503:
            return None  # a plain 503: backoff, like any other 5xx
        if headers.get("x-ratelimit-remaining") == "0":
            if reset_in is None:
                reset = _int(headers.get("x-ratelimit-reset"))
                reset_in = None if reset is None else max(0.0, reset - now)
            return max(1.0, (reset_in or 0) + 1), "primary rate limit used up"
        if status == 429 or "rate limit" in text.lower():
            return (self.secondary_wait * 2 ** min(waits, self.max_secondary_doublings),
                    "secondary rate limit")
        return None


def retry_after_seconds(value: str, now: float) -> float | None:
    """Retry-After: delay-seconds, or an HTTP date (RFC 9110 10.2.3)."""
    v = value.strip()
    if v.isdigit():
        return float(v)
    try:
        return max(0.0, email.utils.parsedate_to_datetime(v).timestamp() - now)
    except (TypeError, ValueError, IndexError):
        return None


def _int(v: str | None) -> int | None:
    try:
        return int(v) if v is not None else None
    except ValueError:
        return None
