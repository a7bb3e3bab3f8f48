"""When the hub will stop this server, from the balance history.

The hub's rule (credit service 0.4.2): at each task run it bills ``bills ×
billing_value`` and stops the server when that is more than user + project
balance — not at zero. So what pays falls in steps of one bill per billing
interval; the estimate reads that staircase (the bill: the smallest drop;
the period: the time per bill), folds in the grants the hub states, and
predicts the first bill that cannot be paid, as a range. Times are ms since
the epoch (``tests/vectors/estimate.json`` holds the cases).
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from .entries import finite_number

#: Only samples this recent count: up to six hourly bills.
WINDOW_MS = 6 * 3600 * 1000
#: Without a drop for this long, the balance is steady.
STEADY_AFTER_MS = 3600 * 1000
#: How far ahead grants are folded in.
HORIZON_MS = 30 * 24 * 3600 * 1000
#: Drops smaller than this are rounding, not bills.
EPSILON = 1e-9
#: The grant walk ends after this many steps whatever the horizon.
WALK_LIMIT = 100_000


@dataclass(frozen=True)
class GrantPlan:
    """A grant the hub states: ``value`` every ``interval_ms``, up to ``cap``."""

    value: float
    interval_ms: float
    #: The last grant (ms since the epoch); ``None`` when unknown.
    last: Optional[float]
    #: Grants stop at this much available (the caps).
    cap: float


Sample = tuple[float, float]


def estimate(
    samples: Sequence[Sample],
    now: float,
    options: Optional[Mapping[str, float]] = None,
    grants: Sequence[GrantPlan] = (),
) -> dict:
    """The predicted stop (``{"kind": "falling", "ratePerMinute", "bill",
    "periodMs", "msToStop", "stopAt", "earliest", "latest"}``), or
    ``{"kind": "unknown" | "steady"}``, from ``(ms, available)`` samples,
    oldest first; ``options``: ``windowMs``, ``steadyAfterMs``, ``horizonMs``."""
    chosen = {"windowMs": WINDOW_MS, "steadyAfterMs": STEADY_AFTER_MS, "horizonMs": HORIZON_MS}
    chosen.update(options or {})
    window, steady_after, horizon = (chosen[k] for k in ("windowMs", "steadyAfterMs", "horizonMs"))
    recent = [(t, a) for t, a in samples if now - window <= t <= now]
    if len(recent) < 2:
        return {"kind": "unknown"}
    steps = _steps(recent, grants)
    last = recent[-1]
    if len(steps) < 2:
        steady = not steps and last[0] - recent[0][0] >= steady_after
        return {"kind": "steady" if steady else "unknown"}
    gap = _typical_gap(recent)
    stairs = _staircase(steps, gap)
    last_step = steps[-1][0]
    if now - last_step > max(3 * stairs["periodMs"], steady_after):
        # Bills stopped coming (the server is free now, or billed elsewhere).
        return {"kind": "steady"}

    end = last[0] + horizon

    def at(period: float, slack: float) -> Optional[float]:
        return _stop_time(last, last_step + slack, stairs["bill"], period, grants, end)

    stop_at = at(stairs["periodMs"], 0)
    if stop_at is None:
        return {"kind": "steady"}
    # The steps are seen only at the samples: each could have come as early
    # as the sample before it.
    earliest = at(stairs["shortestMs"], -stairs["uncertaintyMs"])
    earliest = stop_at if earliest is None else earliest
    # The stop lands on a task run: up to one sample gap later.
    latest = at(stairs["longestMs"], 0)
    latest = (stop_at if latest is None else latest) + stairs["uncertaintyMs"] + gap
    return {
        "kind": "falling",
        "ratePerMinute": (stairs["bill"] / stairs["periodMs"]) * 60000,
        "bill": stairs["bill"],
        "periodMs": stairs["periodMs"],
        "msToStop": max(0, stop_at - now),
        "stopAt": stop_at,
        "earliest": min(earliest, stop_at),
        "latest": max(latest, stop_at),
    }


def grant_plans(entry: Optional[Mapping]) -> list[GrantPlan]:
    """The grants the hub states for what pays (the entry and its project),
    up to the caps of both, from the hub's JSON (``grant_value``,
    ``grant_interval`` in seconds, ``grant_last_update`` naive ISO in UTC)."""
    if not isinstance(entry, Mapping):
        return []
    project = entry.get("project") if isinstance(entry.get("project"), Mapping) else None
    cap = (finite_number(entry.get("cap")) or 0) + (
        (finite_number(project.get("cap")) or 0) if project else 0
    )
    plans = []
    for source in (entry, project):
        grant = _grant(source) if source is not None else None
        if grant is not None and grant[0] > 0:
            plans.append(GrantPlan(grant[0], grant[1] * 1000, grant[2], cap))
    return plans


def _grant(record: Mapping) -> Optional[tuple[float, float, Optional[float]]]:
    """(value, interval s, last ms) when value and interval are usable."""
    value = finite_number(record.get("grant_value"))
    interval = finite_number(record.get("grant_interval"))
    if value is None or interval is None or value < 0 or interval <= 0:
        return None
    return value, interval, _timestamp(record.get("grant_last_update"))


_ZONED = re.compile(r"([zZ]|[+-]\d\d:?\d\d)$")


def _timestamp(value: Any) -> Optional[float]:
    """The hub writes naive ISO times in UTC; read them as UTC (ms)."""
    if not isinstance(value, str) or not value:
        return None
    text = value if _ZONED.search(value) else value + "+00:00"
    text = re.sub(r"[zZ]$", "+00:00", text)
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    # Milliseconds, as Date.parse reads them (sub-millisecond digits drop).
    ms = math.floor(when.timestamp() * 1000 + 1e-6)
    return ms if ms >= 0 else None


def _steps(
    samples: Sequence[Sample], grants: Sequence[GrantPlan] = ()
) -> list[tuple[float, float, float]]:
    """The bills seen between samples: (seen at, the sample before, size).
    Where the hub states its grants, a grant that landed between two
    samples is taken out first: a bill in the same task run as a grant
    shows as a smaller drop, or as a rise."""
    result = []
    for i in range(1, len(samples)):
        before_t, before_a = samples[i - 1]
        granted = _granted_between(grants, before_t, samples[i][0])
        start = min(grants[0].cap, before_a + granted) if granted > 0 else before_a
        size = start - samples[i][1]
        if size > EPSILON:
            result.append((samples[i][0], before_t, size))
    return result


def _granted_between(grants: Sequence[GrantPlan], start: float, end: float) -> float:
    """What the stated grants added in (start, end]: each lands on its grid
    (``last`` plus whole intervals)."""
    granted = 0
    for g in grants:
        if g.last is not None:
            landed = math.floor((end - g.last) / g.interval_ms + 1e-9) - math.floor(
                (start - g.last) / g.interval_ms + 1e-9
            )
            granted += landed * g.value
    return granted


def _typical_gap(samples: Sequence[Sample]) -> float:
    """The usual time between samples: about the hub's task interval."""
    gaps = sorted(samples[i][0] - samples[i - 1][0] for i in range(1, len(samples)))
    return gaps[len(gaps) // 2] if gaps else 0


def _staircase(steps: Sequence[tuple[float, float, float]], gap: float) -> dict:
    """Bill size and period, with how far the period can be off: a step is
    seen at the snapshot after the task run that billed, so it is off only
    where snapshots were missed (a gap longer than usual)."""
    bill = min(size for _, _, size in steps)
    # The first step's own bills came before the span: count the others.
    paid = 0
    for _, _, size in steps[1:]:
        paid += size
    span = max(1, steps[-1][0] - steps[0][0])
    uncertainty = max([0] + [t - before - gap for t, before, _ in steps])
    bills = paid / bill
    period = span / bills
    return {
        "bill": bill,
        "periodMs": period,
        "shortestMs": max(period / 2, (span - uncertainty) / bills),
        "longestMs": (span + uncertainty) / bills,
        "uncertaintyMs": uncertainty,
    }


def _stop_time(
    last: Sample,
    last_bill: float,
    bill: float,
    period: float,
    grants: Sequence[GrantPlan],
    horizon: float,
) -> Optional[float]:
    """When the first bill that cannot be paid comes: bills every ``period``
    after ``last_bill``, grants as planned; ``None`` when none comes before
    ``horizon`` (the grants pay for the bills)."""
    last_t, available = last
    # The next bill: one period after the last, never before the last sample.
    next_bill = max(last_bill + period, last_t)
    if not grants:
        # n bills can be paid; the one after them cannot.
        payable = math.floor(available / bill + 1e-9)
        stop = next_bill + payable * period
        return stop if stop <= horizon else None
    next_grant = [
        last_t + g.interval_ms
        if g.last is None
        else g.last + math.ceil((last_t - g.last) / g.interval_ms + 1e-9) * g.interval_ms
        for g in grants
    ]
    # Walk the bills and grants in time order (bounded by the horizon).
    for _ in range(WALK_LIMIT):
        if next_bill > horizon:
            break
        g = next_grant.index(min(next_grant))
        if next_grant[g] < next_bill:
            available = min(grants[g].cap, available + grants[g].value)
            next_grant[g] += grants[g].interval_ms
            continue
        if bill > available + 1e-9:
            return next_bill
        available -= bill
        next_bill += period
    return None
