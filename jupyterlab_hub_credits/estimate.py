"""When the hub will stop this server: the frontend's estimate (src/predict.ts)
for running code, standard library only.

The hub bills one step every billing interval and stops the server at the
first bill that what pays (user + project) cannot cover. The bill is the
smallest step; the period the time the steps take per bill. Shared test
vectors (tests/vectors/estimate.json) prove both give the same results.
Grants are not folded in here: the per-server stream, which the kernel
reads, does not state them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional

WINDOW_MS = 6 * 3600 * 1000
STEADY_AFTER_MS = 3600 * 1000
HORIZON_MS = 30 * 24 * 3600 * 1000
EPSILON = 1e-9


def estimate(samples: Sequence[tuple[float, float]], now: float) -> dict:
    """``samples``: (ms since the epoch, available), oldest first.

    Returns ``{"kind": "unknown" | "steady"}`` or ``{"kind": "falling",
    "bill", "periodMs", "ratePerMinute", "stopAt", "earliest", "latest",
    "msToStop"}`` — the names of src/predict.ts.
    """
    recent = [(t, a) for t, a in samples if now - WINDOW_MS <= t <= now]
    if len(recent) < 2:
        return {"kind": "unknown"}
    steps = [
        (recent[i][0], recent[i - 1][0], recent[i - 1][1] - recent[i][1])
        for i in range(1, len(recent))
        if recent[i - 1][1] - recent[i][1] > EPSILON
    ]
    last_t, last_a = recent[-1]
    if len(steps) < 2:
        if not steps and last_t - recent[0][0] >= STEADY_AFTER_MS:
            return {"kind": "steady"}
        return {"kind": "unknown"}
    gaps = sorted(recent[i][0] - recent[i - 1][0] for i in range(1, len(recent)))
    gap = gaps[len(gaps) // 2]
    bill = min(size for _, _, size in steps)
    paid = sum(size for _, _, size in steps[1:])
    span = max(1.0, steps[-1][0] - steps[0][0])
    uncertainty = max([0.0] + [t - before - gap for t, before, _ in steps])
    bills = paid / bill
    period = span / bills
    shortest = max(period / 2, (span - uncertainty) / bills)
    longest = (span + uncertainty) / bills
    last_step = steps[-1][0]
    if now - last_step > max(3 * period, STEADY_AFTER_MS):
        return {"kind": "steady"}

    def stop_time(p: float, slack: float) -> Optional[float]:
        next_bill = max(last_step + slack + p, last_t)
        payable = math.floor(last_a / bill + 1e-9)
        stop = next_bill + payable * p
        return stop if stop <= last_t + HORIZON_MS else None

    stop_at = stop_time(period, 0)
    if stop_at is None:
        return {"kind": "steady"}
    earliest = stop_time(shortest, -uncertainty)
    latest = stop_time(longest, 0)
    earliest = stop_at if earliest is None else earliest
    latest = (stop_at if latest is None else latest) + uncertainty + gap
    return {
        "kind": "falling",
        "bill": bill,
        "periodMs": period,
        "ratePerMinute": bill / period * 60000,
        "stopAt": stop_at,
        "earliest": min(earliest, stop_at),
        "latest": max(latest, stop_at),
        "msToStop": max(0.0, stop_at - now),
    }
