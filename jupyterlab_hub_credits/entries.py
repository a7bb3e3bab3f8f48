"""The credit service's list (``GET {api}/credits``: the owner's entries)
and the per-server stream's snapshot (only the paying entry, unnamed), read
field by field; which entry pays (the list does not say: the hub matches
the server's ``user_options``). Pure functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

from .protocol import MAX_ENTRIES, MAX_NAME_LENGTH, Reason

#: Fields copied from the list into snapshots when present and valid.
GRANT_NUMBERS = ("grant_value", "grant_interval")
GRANT_TEXT = "grant_last_update"


@dataclass(frozen=True)
class Choice:
    """The entry chosen to pay for this server, and whether that is a guess."""

    entry: dict[str, Any]
    ambiguous: bool

    @property
    def name(self) -> str:
        return self.entry["name"]

    def reason(self) -> str:
        """What to tell the user (empty when certain)."""
        return Reason("entry_guess", self.name) if self.ambiguous else ""


def finite_number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        finite = math.isfinite(value)
    except OverflowError:
        # An integer beyond any float: JavaScript reads it as Infinity.
        return None
    return value if finite else None


def _length(text: str) -> int:
    """The length as JavaScript counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _amount(value: Any) -> Optional[float]:
    """A balance or cap: a finite number, not negative."""
    number = finite_number(value)
    return number if number is not None and number >= 0 else None


def _name(value: Any) -> Optional[str]:
    ok = isinstance(value, str) and 0 < _length(value) <= MAX_NAME_LENGTH
    return value if ok else None


def _amounts(raw: Any, named: bool) -> Optional[dict[str, Any]]:
    """``{"name"?, "balance", "cap", grants...}`` from a dict, or ``None``."""
    if not isinstance(raw, dict):
        return None
    balance, cap = _amount(raw.get("balance")), _amount(raw.get("cap"))
    if balance is None or cap is None:
        return None
    out: dict[str, Any] = {}
    if named:
        name = _name(raw.get("name"))
        if name is None:
            return None
        out["name"] = name
    out["balance"], out["cap"] = balance, cap
    for key in GRANT_NUMBERS:
        value = finite_number(raw.get(key))
        if value is not None:
            out[key] = value
    text = raw.get(GRANT_TEXT)
    if isinstance(text, str) and _length(text) <= 64:
        out[GRANT_TEXT] = text
    return out


def parse_entry(raw: Any, named: bool = True) -> Optional[dict[str, Any]]:
    """One valid list entry (``named=False``: a per-server snapshot) with
    its checked fields only, or ``None``: ``balance`` and ``cap`` (finite,
    not negative), grants where valid, a named ``project`` when not null."""
    entry = _amounts(raw, named)
    if entry is None:
        return None
    if raw.get("project") is not None:
        project = _amounts(raw["project"], named=True)
        if project is None:
            return None
        entry["project"] = project
    return entry


def parse_list(value: Any) -> Optional[list[dict[str, Any]]]:
    """The valid entries of a list answer (at most ``MAX_ENTRIES``), or
    ``None`` when it is no list at all or none of its entries is valid (a
    hub we cannot read, not a free server). An older hub's single object
    counts as a list of one; invalid entries are left out."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return None
    entries = [e for e in (parse_entry(raw) for raw in value[:MAX_ENTRIES]) if e is not None]
    return entries if entries or not value else None


def _same(a: Any, b: Any) -> bool:
    return finite_number(a) is not None and finite_number(b) is not None and a == b


def shows(entry: dict[str, Any], snapshot: dict[str, Any]) -> bool:
    """Whether a per-server snapshot shows this entry: the same balance and
    cap, and the same project (name, balance, cap) or none on both sides."""
    if not all(_same(entry.get(k), snapshot.get(k)) for k in ("balance", "cap")):
        return False
    mine, theirs = entry.get("project"), snapshot.get("project")
    if mine is None or theirs is None:
        return mine is None and theirs is None
    if not isinstance(theirs, dict):
        return False
    return (
        mine.get("name") == theirs.get("name")
        and _same(mine.get("balance"), theirs.get("balance"))
        and _same(mine.get("cap"), theirs.get("cap"))
    )


def match_entry(
    entries: Sequence[dict[str, Any]],
    snapshot: Optional[dict[str, Any]],
    previous: Optional[str] = None,
) -> Optional[str]:
    """The name of the entry ``snapshot`` shows, when that is certain.

    One entry shows it: that one. Several show it (same numbers): the
    ``previous`` match if it is among them, else no match.
    """
    if not isinstance(snapshot, dict):
        return None
    names = [e["name"] for e in entries if shows(e, snapshot)]
    if len(names) == 1:
        return names[0]
    if previous is not None and previous in names:
        return previous
    return None


def choose_entry(entries: Sequence[dict[str, Any]], matched: Optional[str]) -> Optional[Choice]:
    """The entry that pays for this server; ``None`` when none does (free).

    The one matched to the per-server snapshot; else the only entry; else
    the one named ``default``, else the first — those two are guesses.
    """
    if not entries:
        return None
    if matched is not None:
        for entry in entries:
            if entry["name"] == matched:
                return Choice(entry, ambiguous=False)
    if len(entries) == 1:
        return Choice(entries[0], ambiguous=False)
    for entry in entries:
        if entry["name"] == "default":
            return Choice(entry, ambiguous=True)
    return Choice(entries[0], ambiguous=True)


def to_snapshot(entry: dict[str, Any]) -> dict[str, Any]:
    """A list entry in the per-server snapshot's shape (grants kept where the
    list has them; the entry's own name left out, as the stream leaves it)."""
    snapshot = {k: v for k, v in entry.items() if k not in ("name", "project")}
    project = entry.get("project")
    if project is not None:
        snapshot["project"] = dict(project)
    return snapshot


def available(snapshot: dict[str, Any]) -> Optional[float]:
    """What pays: the user's balance plus the project's, or ``None``."""
    balance = finite_number(snapshot.get("balance"))
    if balance is None:
        return None
    project = snapshot.get("project")
    if isinstance(project, dict):
        extra = finite_number(project.get("balance"))
        if extra is not None:
            return balance + extra
    return balance


def _grants(record: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        return {}
    return {k: v for k, v in record.items() if k in GRANT_NUMBERS or k == GRANT_TEXT}


def with_grants(snapshot: dict[str, Any], listed: Optional[dict[str, Any]]) -> dict[str, Any]:
    """A stream snapshot (which states no grants) with the grants the list
    stated for the same entry; the snapshot's own values win."""
    if listed is None:
        return snapshot
    out = {**_grants(listed), **snapshot}
    mine, theirs = snapshot.get("project"), listed.get("project")
    if (
        isinstance(mine, dict)
        and isinstance(theirs, dict)
        and mine.get("name") == theirs.get("name")
    ):
        out["project"] = {**_grants(theirs), **mine}
    return out
