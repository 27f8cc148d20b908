"""Token buckets per client: a burst, then a steady rate; the wait until the next token; a bounded memory."""

from __future__ import annotations

from deal_shared.web.rate_limit import TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_token_per_interval() -> None:
    clock = Clock()
    buckets = TokenBuckets(per_minute=6, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a") == 10.0  # 6 a minute: the next token in 10 s
    assert buckets.take("b") == 0, "another address has its own bucket"
    clock.now = 10.0
    assert buckets.take("a") == 0
    assert buckets.take("a") > 0
    clock.now = 1000.0
    assert [buckets.take("a") for _ in range(4)][:3] == [0, 0, 0], "never more than the burst saved up"


def test_the_oldest_addresses_are_forgotten_beyond_the_bound() -> None:
    buckets = TokenBuckets(per_minute=1, burst=1, max_keys=2, clock=Clock())
    for key in ("a", "b", "c"):
        assert buckets.take(key) == 0
    assert buckets.take("c") > 0
    assert buckets.take("a") == 0, "forgotten, so it starts again with a full bucket"
