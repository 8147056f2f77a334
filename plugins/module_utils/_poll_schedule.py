# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When to ask an unlocking device for its state next: the waiting schedule, pure logic over times the caller
measures (no clock, no sleep, no file here).

Every look is a client run, and the real client is a Java program: each run is a JVM start (about 1.5 s of
CPU). How long an unlock takes is not documented ("several minutes" in practice), so the schedule assumes no
duration. It spends looks where the run's own evidence says an unlock can finish:

* a look costs the CPU the client's last run took: two looks are at least ``DUTY`` times that apart, so
  the client takes at most 1/DUTY of a core while the device unlocks;
* before any device of the run has unlocked, the gap grows with the time waited (a look at 40 s, then
  about 50 s, 62 s...: the lag stays a fraction of the unlock's own duration). Only the devices whose unlock
  went out first (``LEADERS``) look that closely: the others learn from them that nothing unlocked yet at
  the waits the leaders looked, so they look sparsely (the gap twice the time waited, at most ``MAX_GAP``);
* once a device of the run has unlocked after about D seconds, the others expect theirs from ``EARLY`` x D
  on and look every ``WINDOW`` x D from then (never closer than the duty floor, never further than
  ``MAX_GAP``);
* never more than ``MAX_GAP`` (30 s, the poll of AWS's own script) between two looks: the durations of one
  run's devices are independent (a fleet's unlocks took one to three minutes each in our bench), so what the
  others showed can say when to look closely, never that a device cannot have unlocked (a 60 s cap measured a
  28 s lag for the run's earliest unlocks, and twice the script's lag for ten-minute ones in bench/wait_model.py).

A user's fixed ``poll_interval`` replaces all of this: then it is the rule.
"""

from __future__ import annotations

import collections

MIN_GAP = 1.0  # seconds: never two looks closer than this
DUTY = 10.0  # two looks at least 10 client runs' CPU apart: the client takes at most a tenth of a core
MAX_GAP = 30.0  # seconds: never longer between two looks, whatever the run has seen
LEAD_GROWTH = 0.25  # a leader's gap: a quarter of the time waited so far
GROWTH = 2.0  # any other device before the run has seen an unlock: twice the time waited so far
LEADERS = 2  # devices of a run that look closely before any has unlocked: the ones whose unlock went out first
EARLY = 0.8  # once the fastest unlock of the run took D seconds: no look needed before 0.8 D...
WINDOW = 0.25  # ... and from then on one every D / 4

# What a device of the same run has shown, in seconds since its own unlock went out: ``sent`` (wall clock, to
# order the devices), ``still`` the longest wait at which it still answered UNLOCKING, ``done`` the wait at which
# it first answered UNLOCKED (None while it has not).
Seen = collections.namedtuple("Seen", "sent still done")


def fastest_unlock(fleet):
    """The shortest unlock the run has seen, in seconds: the device unlocked between its last UNLOCKING look
    and its first UNLOCKED one, so the earlier bound (the later one when it never answered UNLOCKING)."""
    durations = [entry.still if entry.still else entry.done / 2 for entry in fleet if entry.done is not None]
    return min(durations) if durations else None


def is_leader(sent, fleet):
    """True when this device's unlock (sent at ``sent``, wall clock) is among the first ``LEADERS`` of the run."""
    return sum(1 for entry in fleet if entry.sent < sent) < LEADERS


def next_look(waited, last_run, fleet=(), sent=0.0, fixed=None):
    """How many seconds after the unlock went out to look next, given the last look at ``waited`` seconds (0
    before the first), ``last_run`` the CPU seconds the client's last run took, ``fleet`` what the other devices
    of the run have shown (``Seen`` entries) and ``sent`` when this device's unlock went out (wall clock).
    ``fixed``: the user's poll interval, which then is the rule."""
    if fixed is not None:
        return waited + fixed
    floor = max(MIN_GAP, DUTY * max(last_run, 0.0))
    fastest = fastest_unlock(fleet)
    if fastest is not None:
        gap = min(max(WINDOW * fastest, floor), MAX_GAP)
        return max(waited + gap, min(EARLY * fastest, waited + MAX_GAP))
    if is_leader(sent, fleet):
        return waited + min(max(LEAD_GROWTH * waited, floor), MAX_GAP)
    # Nothing unlocked yet at the waits the leaders looked: no need to look below them.
    shown_locked = max((entry.still or 0.0 for entry in fleet), default=0.0)
    gap = min(max(GROWTH * waited, floor), MAX_GAP)
    return max(waited + gap, min(shown_locked, waited + MAX_GAP))


REPLAN = 5.0  # seconds: while waiting for a look, read what the run has shown again this often (no client run)
LAST_LOOK = 3.0  # the last look before the deadline starts three times the last client run's wall time before it


class Watch:
    """Paces the looks of one wait for UNLOCKED: ``look`` waits until the schedule's next look, runs the
    client through ``describe`` and tells the run what it answered.

    ``fixed``: the user's poll interval (first look at once, then one every ``fixed`` seconds, as the module
    always did). ``board``: what the devices of the run share (``_run_board.RunBoard``: ``fleet()``,
    ``tell(sent, still, done)`` and ``forget()``; ``describe`` takes its client slot), or None to wait alone.
    ``last_run``: the CPU seconds the client's last run took (the unlock's), ``cpu`` what measures the next ones
    (the CPU seconds of this process's children so far); ``last_wall`` the wall seconds it took; ``queued`` the
    seconds this device has waited in the run's line for client starts so far (not a look's own time). ``clock``,
    ``wall``, ``sleep`` and ``cpu`` are injected: time.monotonic, time.time, time.sleep and
    _run_board.children_cpu in a module, fakes in tests."""

    def __init__(self, fixed=None, board=None, last_run=0.0, clock=None, wall=None, sleep=None, cpu=None,
                 last_wall=0.0, queued=None):
        self.fixed = fixed
        self.board = board
        self.clock, self.wall, self.sleep, self.cpu = clock, wall, sleep, cpu
        self.started = clock()  # the unlock went out (or the wait began, when another run sent it)
        self.sent = wall()
        self.waited = 0.0  # seconds after ``started`` of the last look; 0 before the first
        self.looks = 0
        self.last_run = last_run
        self.look_seconds = last_wall  # wall seconds of the last client run: what the last look needs
        self.queued = queued or (lambda: 0.0)
        self.still = None
        self.final = False  # the last look was the last before the deadline
        if board is not None:
            board.tell(self.sent, None, None)

    def due(self):
        """Seconds after ``started`` at which to look next."""
        if self.fixed is not None:
            return 0.0 if self.looks == 0 else self.waited + self.fixed
        fleet = self.board.fleet() if self.board is not None else ()
        return next_look(self.waited, self.last_run, fleet, self.sent)

    def look(self, describe, state_of, deadline=None):
        """Wait for the next look, then return ``describe()``; ``state_of(result)`` is UNLOCKED, UNLOCKING or
        LOCKED, for the run. The last look before ``deadline`` (a ``clock`` time) starts ``LAST_LOOK`` looks'
        time before it (a busy laptop's JVM start varies), so that a client killed at the deadline (a JVM needs seconds) does not fail a device
        that unlocked in time; ``final`` then says so."""
        while True:
            now = self.clock()
            left = self.started + self.due() - now
            # a comparison NaN fails: a schedule gone wrong looks at once rather than never
            if not left > 0:
                left = 0.0
            last_chance = deadline is not None and deadline - now - LAST_LOOK * self.look_seconds
            self.final = deadline is not None and not last_chance > left
            if self.final:
                left = max(last_chance, 0.0)
            if left <= 0:
                break
            # With a fixed interval nothing can change the due time: one sleep. Otherwise the run may learn something.
            self.sleep(left if self.fixed is not None or self.board is None else min(left, REPLAN))
            if self.fixed is not None:
                break
        # CPU, not wall time: what a run costs, however loaded the machine is while it runs
        before, began, in_line = (self.cpu() if self.cpu else self.clock()), self.clock(), self.queued()
        result = describe()
        self.last_run = (self.cpu() if self.cpu else self.clock()) - before
        # what the client took, not the wait for a free start (others' hung clients would make the last look early)
        self.look_seconds = self.clock() - began - (self.queued() - in_line)
        self.waited = self.clock() - self.started
        self.looks += 1
        state = state_of(result)
        if state == "UNLOCKING":
            self.still = self.waited
        if self.board is not None:
            self.board.tell(self.sent, self.still, self.waited if state == "UNLOCKED" else None)
        return result

    def give_up(self):
        """The wait failed: the run's other devices no longer count this one (it would lead their waits)."""
        if self.board is not None:
            self.board.forget()
