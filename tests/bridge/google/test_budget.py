"""The per-account Google call budget (a token bucket) on a fake clock: a minute's worth in
one burst, then calls wait their turn, and a wait beyond the limit is refused unsent."""

from __future__ import annotations

import pytest

from bridge.google import RateLimited
from bridge.google.budget import Budgets


class Clock:
    def __init__(self):
        self.now, self.slept, self.frozen = 1000.0, [], False

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += 0 if self.frozen else seconds


def budgets(per_minute, clock, max_wait=5.0):
    made = Budgets(per_minute, max_wait=max_wait, clock=clock, sleep=clock.sleep)
    seen = []
    made.observers.append(lambda *args: seen.append(args))
    return made, seen


def test_a_burst_of_a_minutes_worth_then_calls_wait_their_turn():
    clock = Clock()
    made, seen = budgets(60, clock)         # one a second, 60 at once
    take = made.for_account(7)
    for _ in range(60):
        take("events.list")
    assert clock.slept == [] and seen == []
    take("events.list")
    assert clock.slept == [pytest.approx(1.0)]
    assert seen == [(7, "waited", pytest.approx(1.0))]


def test_a_wait_beyond_the_limit_is_refused_and_tells_how_long():
    clock = Clock()
    made, seen = budgets(60, clock, max_wait=2.0)
    take = made.for_account(7)
    for _ in range(60):
        take("events.list")
    clock.frozen = True         # three callers at once: none has waited yet
    take("a")
    take("b")
    with pytest.raises(RateLimited) as refused:
        take("c")
    assert refused.value.retry_after == pytest.approx(3.0)
    assert "budget of 60 Google calls a minute" in str(refused.value)
    assert [s[1] for s in seen] == ["waited", "waited", "refused"]


def test_accounts_have_their_own_buckets_and_zero_means_none():
    clock = Clock()
    made, _ = budgets(2, clock)
    first, second = made.for_account(1), made.for_account(2)
    first("x")
    first("x")
    second("x")
    assert clock.slept == []
    assert made.for_account(1) == first         # one bucket per account, kept
    assert Budgets(0).for_account(1) is None


def test_the_bucket_refills_to_a_minutes_worth_only():
    clock = Clock()
    made, _ = budgets(60, clock)
    take = made.for_account(1)
    take("x")
    clock.now += 3600
    for _ in range(60):
        take("x")
    assert clock.slept == []
    take("x")
    assert clock.slept == [pytest.approx(1.0)]


def test_a_client_told_of_a_refused_call_learns_whose_limit_and_when_to_retry():
    from bridge.write.errors import from_google
    clock = Clock()
    clock.frozen = True
    made, _ = budgets(1, clock, max_wait=2.0)
    take = made.for_account(4)
    take("events.insert")
    with pytest.raises(RateLimited) as refused:
        take("events.insert")
    answer = from_google(refused.value)
    assert "budget of Google calls" in answer.message and answer.retry_after == 60
