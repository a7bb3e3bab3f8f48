"""Reads paced by the prediction, against the hub's own rule.

A simulated credit service (the rule of credit service 0.4.2's credit task:
at each task run the bills due are added up and the server is stopped when
they are more than user + project balance; grants up to the cap) answers
the relay's polls at the network edge, on a fake clock. A hidden page
renews its lease every 5 minutes with its lead time (the guard's save or
warning minutes). For each scenario it prints when the page would have
known "within the lead" (the last prediction it read, counted down as the
page does) against the real stop, and the relay's requests per hour while
the stop was far.

    .venv/bin/python scripts/bench/pacing.py

``tests/test_pacing.py`` checks the same scenarios (the predictable ones in
time, the quiet pace while the stop is far).
"""

from __future__ import annotations

import asyncio
import datetime
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from jupyterlab_hub_credits.relay import CreditsRelay  # noqa: E402

from hubedge import EdgeHub, FakeClock  # noqa: E402

#: A hidden page renews its lease this often, for this long.
LEASE_EVERY, LEASE = 300.0, 600.0


@dataclass
class Scenario:
    """What the hub does to one server's credits (times in s from the start)."""

    name: str
    balance: float
    bill: float = 1.0
    billing: float = 600.0
    task: float = 60.0
    cap: float = 100.0
    grant: float = 0.0
    grant_every: float = 3600.0
    #: A second server of the same user, billed to the same entry, from then.
    second_server_at: Optional[float] = None
    #: A project shared with others, who spend ``others_bill`` every billing
    #: interval from ``others_from``.
    project: float = 0.0
    others_bill: float = 0.0
    others_from: float = 0.0
    #: An admin sets the user's balance to ``cut_to`` (the project to 0) then.
    cut_at: Optional[float] = None
    cut_to: float = 0.0


class RuleHub(EdgeHub):
    """The credit service's list for one server, as its task leaves it."""

    def __init__(self, clock: FakeClock, scenario: Scenario):
        super().__init__(clock)
        self.s, self.user, self.shared = scenario, scenario.balance, scenario.project
        self.start, self.last_grant = clock.now, clock.now
        self.stopped_at: Optional[float] = None
        self._show()

    def task_run(self) -> None:
        """One run of the credit task at the clock's time."""
        s, t = self.s, self.clock.now - self.start
        due = int(t // s.billing) - int((t - s.task) // s.billing)
        servers = 1 + (s.second_server_at is not None and t >= s.second_server_at)
        if s.grant and self.clock.now - self.last_grant >= s.grant_every:
            self.last_grant = self.clock.now
            self.user = min(s.cap, self.user + s.grant)
        if s.cut_at is not None and t - s.task < s.cut_at <= t:
            self.user, self.shared = min(self.user, s.cut_to), 0.0
        if due and t >= s.others_from:
            self.shared = max(0.0, self.shared - due * s.others_bill)
        bill = due * s.bill * servers
        if bill > self.user + self.shared:
            self.stopped_at = t
            return
        paid = min(self.user, bill)
        self.user, self.shared = self.user - paid, self.shared - (bill - paid)
        self._show()

    def _show(self) -> None:
        s = self.s
        last = datetime.datetime.fromtimestamp(
            self.clock.time() - (self.clock.now - self.last_grant), datetime.timezone.utc
        )
        value: dict[str, Any] = {
            "name": "default",
            "balance": self.user,
            "cap": s.cap,
            "grant_value": s.grant,
            "grant_interval": s.grant_every,
            "grant_last_update": last.replace(tzinfo=None).isoformat(),
        }
        if s.project:
            value["project"] = {"name": "shared", "balance": self.shared, "cap": s.project}
        self.entries = [value]


@dataclass
class Outcome:
    stop: Optional[float]
    #: What the page read: (when, the earliest predicted stop or ``None``).
    reads: list[tuple[float, Optional[float]]] = field(default_factory=list)
    requests: list[float] = field(default_factory=list)
    lead: float = 0.0

    @property
    def known(self) -> float:
        """When the page first knew the stop was within the lead, in the
        last hour before it (s from the start; ``inf``: not before the
        stop): its prediction counted down as the page's guard does (an
        alarm hours before, moved away again by later reads, re-arms)."""
        end = self.stop if self.stop is not None else math.inf
        known = math.inf
        for i, (at, earliest) in enumerate(self.reads):
            until = self.reads[i + 1][0] if i + 1 < len(self.reads) else end
            if earliest is not None and until > end - 3600:
                within = max(at, earliest - self.lead, end - 3600)
                if within < until:
                    known = min(known, within)
        return known

    @property
    def margin(self) -> float:
        """How long before the stop the page knew (negative: too late)."""
        return (self.stop if self.stop is not None else math.inf) - self.known

    def per_hour(self, until: float) -> float:
        """Hub requests per hour from the first hour on, up to ``until``."""
        far = [t for t in self.requests if 3600 <= t < until]
        return len(far) / max(1e-9, (until - 3600) / 3600)


async def simulate(
    scenario: Scenario, lead: float, seed: int = 1, horizon: float = 86400.0
) -> Outcome:
    clock = FakeClock()
    hub = RuleHub(clock, scenario)
    relay = CreditsRelay(
        hub.env, transport=hub.transport, clock=clock, random=random.Random(seed).random
    )
    outcome = Outcome(None, lead=lead)

    def changed(_seq: int) -> None:
        prediction = relay.prediction()
        now = clock.now - hub.start
        earliest = None
        if prediction["kind"] == "falling":
            earliest = prediction["earliest"] / 1000 - clock.time() + now
        outcome.reads.append((now, earliest))

    relay.on_change(changed)
    try:
        while hub.stopped_at is None and clock.now - hub.start < horizon:
            if (clock.now - hub.start) % LEASE_EVERY == 0:
                relay.watch(LEASE, lead)
            await clock.advance(scenario.task)
            hub.task_run()
    finally:
        await relay.close()
    outcome.stop = hub.stopped_at
    outcome.requests = [t - hub.start for _, kind, t in hub.requests if kind == "list"]
    return outcome


#: The predictable cases (the hub's rule makes them so) and a sudden cut.
SCENARIOS = [
    Scenario("billing steps, 1 credit every 10 min", balance=60),
    Scenario("with grants, 2 every 10 min, +5 an hour", balance=40, bill=2, grant=5),
    Scenario("a second server of the same user from 3 h", balance=60, second_server_at=3 * 3600),
    Scenario(
        "a shared project emptied by others from 2 h",
        balance=20,
        project=100,
        others_bill=4,
        others_from=2 * 3600,
    ),
]


def main() -> None:
    lead = 600.0
    print(f"lead {lead / 60:g} min, lease every {LEASE_EVERY:g} s, task every 60 s")
    print(f"{'scenario':50} {'stop':>8} {'known before':>13} {'requests/h far':>15}")
    for s in SCENARIOS:
        o = asyncio.run(simulate(s, lead))
        far = (o.stop or 86400) - 2 * 3600
        print(
            f"{s.name:50} {o.stop / 3600:7.2f}h {o.margin / 60:11.1f} min {o.per_hour(far):15.2f}"
        )
    # Sudden cuts: an admin leaves between 1 and 30 bills at a random moment.
    rng = random.Random(7)
    late = runs = 0
    margins = []
    for i in range(200):
        cut_at = rng.uniform(2 * 3600, 8 * 3600)
        cut_to = rng.randint(1, 30)
        o = asyncio.run(
            simulate(Scenario("cut", balance=90, cut_at=cut_at, cut_to=cut_to), lead, seed=i)
        )
        runs += 1
        margins.append(o.margin)
        late += o.margin < 0
    margins.sort()
    print(
        f"sudden cut to 1-30 bills ({runs} runs): too late in {late} ({100 * late / runs:.0f} %),"
        f" known before the stop: median {margins[runs // 2] / 60:.1f} min"
    )


if __name__ == "__main__":
    main()
