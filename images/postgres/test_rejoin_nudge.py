"""The primary writes only while it leads, runs, and another member is starting."""

from __future__ import annotations

from rejoin_nudge import should_write


def cluster(*members: tuple[str, str, str]) -> dict[str, object]:
    return {"members": [{"name": n, "role": r, "state": s} for n, r, s in members]}


def test_the_running_leader_writes_while_the_other_member_starts() -> None:
    c = cluster(("pg1", "leader", "running"), ("pg2", "replica", "starting"))
    assert should_write(c, "pg1") is True


def test_nothing_is_written_once_every_member_runs_or_streams() -> None:
    c = cluster(("pg1", "leader", "running"), ("pg2", "replica", "streaming"))
    assert should_write(c, "pg1") is False
    c = cluster(("pg1", "leader", "running"), ("pg2", "replica", "running"))
    assert should_write(c, "pg1") is False


def test_a_replica_never_writes_even_when_the_other_starts() -> None:
    c = cluster(("pg1", "replica", "starting"), ("pg2", "leader", "running"))
    assert should_write(c, "pg1") is False


def test_a_leader_that_is_not_running_yet_does_not_write() -> None:
    c = cluster(("pg1", "leader", "starting"), ("pg2", "replica", "starting"))
    assert should_write(c, "pg1") is False


def test_an_empty_or_unknown_answer_writes_nothing() -> None:
    assert should_write({}, "pg1") is False
    assert should_write(cluster(("pg2", "leader", "running")), "pg1") is False
