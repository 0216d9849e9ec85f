"""A budget of Google calls per account, so one user cannot use up the project's quota.

Google's quota is the project's: every linked account draws on it. Each account gets a token
bucket of ``per_minute`` calls that refills continuously and holds at most a minute's worth.
A call takes a token before it goes out (retries too: Google counts them); when the bucket is
empty the call waits its turn, and when that wait would exceed ``max_wait`` it is not sent
at all but fails as ``RateLimited`` with the wait as Retry-After — the scheduler then pauses
that account alone, and a client's request is told to come back later. Throttling is logged
at most once a minute per account, with counts, and reported to ``observers``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from .errors import RateLimited

log = logging.getLogger(__name__)
LOG_EVERY = 60.0
REASON = "bridgeBudget"     # the RateLimited reason of a call the budget did not send
# observer(account_id, outcome, seconds): outcome "waited" (seconds waited) or "refused"
Observer = Callable[[int, str, float], None]


class Bucket:
    """One account's bucket: ``take(method)`` blocks until the call may go out."""

    def __init__(self, account_id: int, per_minute: float, *, max_wait: float,
                 clock: Callable[[], float], sleep: Callable[[float], None],
                 observers: list[Observer]):
        self.account_id, self.per_minute, self.max_wait = account_id, per_minute, max_wait
        self.rate, self.capacity = per_minute / 60.0, max(1.0, per_minute)
        self._clock, self._sleep, self._observers = clock, sleep, observers
        self._tokens, self._stamp = self.capacity, clock()
        self._lock = threading.Lock()
        self._logged, self._waited, self._refused = None, 0, 0

    def take(self, method: str = "") -> None:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            # A reservation: the balance may go below zero; each caller waits for its token.
            wait = max(0.0, (1.0 - self._tokens) / self.rate)
            refused = wait > self.max_wait
            if not refused:
                self._tokens -= 1.0
            if wait:
                self._note(refused, now)
        if refused:
            self._tell("refused", wait)
            raise RateLimited(f"account {self.account_id} used its budget of "
                              f"{self.per_minute:g} Google calls a minute", status=429,
                              reason=REASON, retry_after=wait)
        if wait:
            self._tell("waited", wait)
            self._sleep(wait)

    def _note(self, refused: bool, now: float) -> None:
        """Count the throttled call; one log line per LOG_EVERY seconds, with the counts."""
        if refused:
            self._refused += 1
        else:
            self._waited += 1
        if self._logged is None or now - self._logged >= LOG_EVERY:
            log.warning("account %s is over its budget of %g Google calls a minute: "
                        "%d calls waited, %d refused since the last report", self.account_id,
                        self.per_minute, self._waited, self._refused)
            self._logged, self._waited, self._refused = now, 0, 0

    def _tell(self, outcome: str, seconds: float) -> None:
        for observer in self._observers:
            try:
                observer(self.account_id, outcome, seconds)
            except Exception:       # metrics must never break a Google call
                log.exception("budget observer failed")


class Budgets:
    """The buckets of all accounts; ``per_minute`` 0 (or less) means no budget. A bucket
    outlives the account's client (rebuilt after a new sign-in), so a re-link does not
    refill it."""

    def __init__(self, per_minute: float, *, max_wait: float = 5.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.per_minute, self.max_wait = per_minute, max_wait
        self._clock, self._sleep = clock, sleep
        self.observers: list[Observer] = []
        self._buckets: dict[int, Bucket] = {}
        self._lock = threading.Lock()

    def for_account(self, account_id: int) -> Callable[[str], None] | None:
        """The throttle to give the account's client (None: unlimited)."""
        if self.per_minute <= 0:
            return None
        with self._lock:
            bucket = self._buckets.get(account_id)
            if bucket is None:
                bucket = self._buckets[account_id] = Bucket(
                    account_id, self.per_minute, max_wait=self.max_wait, clock=self._clock,
                    sleep=self._sleep, observers=self.observers)
            return bucket.take
