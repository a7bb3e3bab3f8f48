"""The hub-load table and the goals of issue 20 (point 3) as pass/fail lines,
and of the shared reader (issue 27): its hub requests, stall and delivery."""

from __future__ import annotations

import math
from typing import Any, Optional

VISIBLE = {
    "baseline": 0.0,
    "always": 1.0,
    "auto-0%": 0.0,
    "auto-10%": 0.1,
    "auto-100%": 1.0,
    "poll-100%": 1.0,
    "shared-100%": 1.0,
}
LABELS = {
    "baseline": "no extension (baseline)",
    "always": "today: always streaming",
    "auto-0%": "reading rule, 0 % visible",
    "auto-10%": "reading rule, 10 % visible",
    "auto-100%": "reading rule, 100 % visible",
    "poll-100%": "admin poll-only, 100 % vis.",
    "shared-100%": "shared reader, 100 % visible",
}
#: The shared reader's goals (issue 27): the whole fleet's hub requests per
#: second, the stall against the baseline's, a task run -> the relays.
SHARED_MAX_REQ_PER_S = 5.0
SHARED_MAX_STALL_RATIO = 1.2
SHARED_MAX_DELIVERY_S = 2.0

HEADER = (
    f"{'N':>5}  {'readers':<28} {'streams':>7} {'SQL task s':>10} {'SQL med s':>9}"
    f" {'burst':>6} {'stall med/max':>14} {'RSS MB':>6} {'polls/s':>7} {'conn/s':>6}"
    f" {'restart':>7} {'req/s':>6} {'row':>7}"
)
DELIVERY_HEADER = (
    f"{'N':>5}  {'readers':<28} {'deliver p50/p99/max':>20} {'missed':>6} {'ready':>6}"
    f" {'lookups':>13} {'hub CPU':>7} {'svc MB':>6} {'svc CPU':>7} {'s/min/1k':>8}"
    f" {'fan-out med/max':>16}"
)


def _num(value: float, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def row_line(result) -> str:
    r = result
    label = LABELS.get(r.row, r.row)
    if r.note:
        return f"{r.n:>5,}  {label:<28} ({r.note})"
    stall = f"{_num(r.stall_median, 2)}/{_num(r.stall_max, 2)} s"
    return (
        f"{r.n:>5,}  {label:<28} {_num(r.streams):>7} {_num(r.sql_task):>10}"
        f" {_num(r.sql_median):>9} {_num(r.burst):>6} {stall:>14} {_num(r.rss_mb):>6}"
        f" {_num(r.polls_per_s, 1):>7} {_num(r.conn_peak):>6}"
        f" {_num(r.restart_seconds, 0) + ' s':>7} {_num(r.req_per_s, 1):>6}"
        f" {_num(_get(r, 'wall_seconds') / 60, 1) + ' min':>7}"
    )


def _get(result, name: str) -> float:
    # Results read back from an older JSON may lack the newer figures.
    return getattr(result, name, float("nan"))


def _has(value: float) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def delivery_line(result) -> Optional[str]:
    """The delivery and shared-reader figures of a row with visible tabs."""
    r = result
    figures = ("deliver_p50", "svc_rss_mb", "ready_seconds")
    if r.note or not any(_has(_get(r, name)) for name in figures):
        return None
    deliver = (
        f"{_num(_get(r, 'deliver_p50'), 2)}/{_num(_get(r, 'deliver_p99'), 2)}"
        f"/{_num(_get(r, 'deliver_max'), 2)} s"
    )
    missed = _get(r, "deliver_missed")
    lookups = f"{_num(_get(r, 'lookups_start'))}+{_num(_get(r, 'lookups_wave'))}"
    return (
        f"{r.n:>5,}  {LABELS.get(r.row, r.row):<28} {deliver:>20}"
        f" {(f'{missed:.1%}' if _has(missed) else '-'):>6}"
        f" {_num(_get(r, 'ready_seconds')) + ' s':>6} {lookups:>13}"
        f" {_num(_get(r, 'hub_cpu')) + ' %':>7} {_num(_get(r, 'svc_rss_mb')):>6}"
        f" {_num(_get(r, 'svc_cpu'), 1) + ' %':>7} {_num(_get(r, 'svc_cpu_per_1k'), 2):>8}"
        f" {_num(_get(r, 'fanout_p50'), 2) + '/' + _num(_get(r, 'fanout_max'), 2) + ' s':>16}"
    )


def shared_goals(results, task_interval: float) -> list[str]:
    """Issue 27's goals for every N with a shared-reader row."""
    lines = []
    for n in sorted({r.n for r in results}):
        shared = _find(results, n, "shared-100%")
        if shared is None:
            continue
        rate = shared.req_per_s
        lines.append(
            _line(
                rate <= SHARED_MAX_REQ_PER_S,
                f"N={n:,} shared reader: the whole fleet's hub requests {rate:.2f}/s"
                f" (route reads {_get(shared, 'entries_per_s'):.2f}/s, token look-ups"
                f" {_get(shared, 'lookups_per_s'):.2f}/s) <= {SHARED_MAX_REQ_PER_S:g}/s",
            )
        )
        base = _find(results, n, "baseline")
        if base is None:
            lines.append(_line(None, f"N={n:,} shared reader, stall vs baseline: row missing"))
        else:
            for what, mine, theirs in (
                ("median", shared.stall_median, base.stall_median),
                ("max", shared.stall_max, base.stall_max),
            ):
                limit = SHARED_MAX_STALL_RATIO * theirs
                lines.append(
                    _line(
                        _has(mine) and mine <= limit,
                        f"N={n:,} shared reader: stall {what} {mine:.3f} s <="
                        f" {SHARED_MAX_STALL_RATIO:g} x baseline's {theirs:.3f} s"
                        f" (= {limit:.3f} s)",
                    )
                )
        p99 = _get(shared, "deliver_p99")
        missed = _get(shared, "deliver_missed")
        lines.append(
            _line(
                _has(p99) and p99 <= SHARED_MAX_DELIVERY_S and missed == 0,
                f"N={n:,} shared reader: a change reaches the relays within task interval"
                f" + {_num(p99, 2)} s (p99 of {shared.deliveries:,} deliveries; missed"
                f" {missed:.1%}) <= {task_interval:g} + {SHARED_MAX_DELIVERY_S:g} s",
            )
        )
    return lines


def _find(results, n: int, row: str):
    for r in results:
        if r.n == n and r.row == row and not r.note and not math.isnan(r.sql_median):
            return r
    return None


def _line(ok: Optional[bool], text: str) -> str:
    mark = {True: "PASS", False: "FAIL", None: "n/a "}[ok]
    return f"  {mark}  {text}"


def goals(results, task_interval: float) -> list[str]:
    lines = []
    ns = sorted({r.n for r in results})
    # 1. Every tab hidden: no burst.
    for n in ns:
        r = _find(results, n, "auto-0%")
        if r is None:
            lines.append(_line(None, f"N={n:,} all hidden, no burst: row missing"))
            continue
        limit = 2 * max(r.sql_median, 1)
        lines.append(
            _line(
                r.sql_task <= limit,
                f"N={n:,} all hidden, no burst: SQL in the task-run second {r.sql_task:,.0f}"
                f" <= 2 x median second {r.sql_median:,.0f} (= {limit:,.0f})",
            )
        )
    # 2. Stall at 5,000 hidden vs today's at 1,000.
    big = _find(results, 5000, "auto-0%")
    today = _find(results, 1000, "always")
    if big and today:
        limit = today.stall_max / 5
        lines.append(
            _line(
                big.stall_max <= limit,
                f"longest stall, 5,000 all hidden {big.stall_max:.3f} s <= 1/5 of today's"
                f" always-streaming at 1,000 ({today.stall_max:.3f} s / 5 = {limit:.3f} s)",
            )
        )
    else:
        lines.append(_line(None, "stall at 5,000 hidden vs today's at 1,000: needs both rows"))
    # 3. 10 % visible: the burst in proportion to the visible servers.
    for n in ns:
        part, full = _find(results, n, "auto-10%"), _find(results, n, "always")
        if not (part and full):
            lines.append(_line(None, f"N={n:,} 10 % visible, burst in proportion: rows missing"))
            continue
        share = part.burst / max(1.0, full.burst)
        lines.append(
            _line(
                share <= 0.15,
                f"N={n:,} 10 % visible, burst in proportion: {part.burst:,.0f} statements"
                f" = {share:.0%} of always-streaming's {full.burst:,.0f} (<= 15 %)",
            )
        )
    # 4. Poll-only: no burst at 5,000 all visible (shown for every N).
    for n in ns:
        r = _find(results, n, "poll-100%")
        if r is None:
            lines.append(_line(None, f"N={n:,} poll-only all visible, no burst: row missing"))
            continue
        limit = 2 * max(r.sql_median, 1)
        lines.append(
            _line(
                r.sql_task <= limit,
                f"N={n:,} poll-only all visible, no burst: SQL in the task-run second"
                f" {r.sql_task:,.0f} <= 2 x median {r.sql_median:,.0f} (= {limit:,.0f})",
            )
        )
    # 5. Reconnect wave after a hub restart.
    for n in ns:
        limit = n / task_interval
        for row in ("auto-0%", "auto-10%", "auto-100%", "poll-100%"):
            r = _find(results, n, row)
            if r is None or math.isnan(r.conn_peak):
                continue
            lines.append(
                _line(
                    r.conn_peak <= limit,
                    f"N={n:,} {row}: reconnect wave {r.conn_peak:,.0f} connections/s"
                    f" <= N / task interval = {limit:,.0f}/s",
                )
            )
        r = _find(results, n, "always")
        if r is not None and not math.isnan(r.conn_peak):
            lines.append(
                f"        (today's always-streaming at N={n:,}: {r.conn_peak:,.0f} connections/s)"
            )
    # 6. Streams held = visible servers.
    for n in ns:
        for row in ("auto-0%", "auto-10%", "auto-100%", "poll-100%"):
            r = _find(results, n, row)
            if r is None:
                continue
            want = 0 if row.startswith("poll") else round(VISIBLE[row] * n)
            ok = abs(r.streams - want) <= max(2, 0.02 * n)
            lines.append(
                _line(ok, f"N={n:,} {row}: hub streams held {r.streams:,.0f} = visible {want:,}")
            )
    return lines


def render(results, task_interval: float, elapsed: float, machine: Optional[dict] = None) -> str:
    out = []
    out.append(
        f"Hub load: real JupyterHub + credit service, fake spawner, SQLite, credit task"
        f" every {task_interval:g} s; GET /hub/api/ timed every 50 ms"
    )
    if machine:
        out.append("Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()))
    out.append(
        "streams: per-server stream handlers in the hub (median); SQL task s: statements in"
        " the busiest second of a task run;"
    )
    out.append(
        "SQL med s: the median second; burst: statements above the quiet rate (mean second away"
        " from task runs) in the 6 s from a task run on (median over runs);"
    )
    out.append(
        "stall: longest GET /hub/api/ around a task run (median/max over runs); RSS: the"
        " hub's, max; polls/s: GET api/credits;"
    )
    out.append(
        "conn/s: new TCP connections at the hub, busiest second within 60 s of a hub restart"
        " (readers kept running); restart: hub down to up;"
    )
    out.append(
        "req/s: every request at the hub but the probe's (mean second of the window); row:"
        " the row's wall time."
    )
    out.append("")
    out.append(HEADER)
    last_n = None
    for r in results:
        if last_n is not None and r.n != last_n:
            out.append("")
        last_n = r.n
        out.append(row_line(r))
    deliveries = [line for line in map(delivery_line, results) if line]
    if deliveries:
        out.append("")
        out.append(
            "Delivery: a task run at the hub -> each visible tab's relay's next numbers"
            " (p50/p99/max over relays x runs in the window); missed: (relay, run) without"
        )
        out.append(
            "numbers before the next run; ready: readers' start -> 99 % live (shared row);"
            " lookups: GET /hub/api/user at the start + after the restart;"
        )
        out.append(
            "fan-out: the shared reader's own time from the hub's answer to its last stream"
            " write of that run (median/max over the window's runs);\n"
            "hub CPU, svc CPU: % of one core over the window; svc MB: the shared reader's"
            " RSS; s/min/1k: its CPU seconds per minute per 1,000 servers."
        )
        out.append("")
        out.append(DELIVERY_HEADER)
        out.extend(deliveries)
    out.append("")
    out.append("Goals (issue 20, point 3):")
    out.extend(goals(results, task_interval))
    if any(r.row == "shared-100%" for r in results):
        out.append("")
        out.append("Goals of the shared reader (issue 27):")
        out.extend(shared_goals(results, task_interval))
    notes = []
    for r in results:
        states: dict[str, Any] = r.readers.get("states", {}) if r.readers else {}
        after = r.readers.get("after_restart", {}) if r.readers else {}
        if states:
            via = r.readers.get("via", {})
            notes.append(
                f"  N={r.n:,} {r.row}: relay states {_fmt(states)}; modes"
                f" {_fmt(r.readers.get('modes', {}))}; after the restart {_fmt(after)}"
                + (f"; reading {_fmt(via)}" if r.row.startswith("shared") else "")
            )
            reasons = r.readers.get("reasons", {})
            if reasons:
                notes.append(f"    why (most said): {_fmt(reasons)}")
    if notes:
        out.append("")
        out.append("Readers (relay.status() summed over the workers, before / after the restart):")
        out.extend(notes)
    out.append("")
    out.append(f"Run took {elapsed / 60:.1f} min.")
    return "\n".join(out)


def _fmt(counts: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "-"
