# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The waiting schedule, on a fake clock: how many looks it takes and how late it notices UNLOCKED, for unlocks
of seconds, minutes and half an hour, alone and in a fleet; the user's fixed poll_interval as the rule."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _poll_schedule as schedule
from ansible_collections.fieldops.snowball.plugins.module_utils._poll_schedule import Seen, Watch, next_look

JVM = 1.5  # seconds a client run takes on an idle machine: the real client is a Java start


class FakeTime:
    """A clock that only moves when the code under test sleeps or runs the client."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def wall(self):
        return self.now + 1.7e9

    def sleep(self, seconds):
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


class FakeBoard:
    """What the other devices of the run have shown, as given; what this device told, kept."""

    def __init__(self, fleet=()):
        self.others = list(fleet)
        self.told = []

    def fleet(self):
        return list(self.others)

    def tell(self, sent, still, done):
        self.told.append(Seen(sent, still, done))


def wait_for(unlock_after, fake, board=None, fixed=None, run_seconds=JVM, deadline=None):
    """Wait with a Watch for a device that unlocks ``unlock_after`` seconds after the wait began; returns
    (looks, lag): the client runs and how long after UNLOCKED the wait knew it."""
    # the unlock was a client run too: its cost paces the first look
    watch = Watch(fixed, board, run_seconds, clock=fake.clock, wall=fake.wall, sleep=fake.sleep)
    unlocked_at = fake.now + unlock_after

    def describe():
        fake.now += run_seconds  # the client reads the state at the end of its start-up, as the JVM does
        return "UNLOCKED" if fake.now >= unlocked_at else "UNLOCKING"

    while True:
        state = watch.look(describe, lambda result: result, deadline)
        if state == "UNLOCKED":
            return watch.looks, fake.now - unlocked_at


def test_a_fixed_poll_interval_is_the_rule():
    fake = FakeTime()
    looks, lag = wait_for(95, fake, fixed=10)
    # the first look at once, as the module always did, then 10 s after each
    assert fake.sleeps == [10] * 9
    assert looks == 10
    assert lag <= 10 + JVM


def test_a_fixed_poll_interval_ignores_what_the_run_has_shown():
    fake = FakeTime()
    board = FakeBoard([Seen(0.0, 50.0, 60.0)])
    wait_for(35, fake, board=board, fixed=5)
    assert fake.sleeps == [5] * 6


def test_the_first_look_waits_ten_client_runs():
    assert next_look(0.0, JVM) == pytest.approx(schedule.DUTY * JVM)
    # a client that answers at once (the simulator) is looked at within seconds
    assert next_look(0.0, 0.05) == pytest.approx(schedule.MIN_GAP)


def test_a_slow_client_spaces_the_looks():
    # a machine so loaded that a run takes 20 s: at most one look a MAX_GAP, not one every 10 s
    assert next_look(100.0, 20.0) == pytest.approx(100.0 + schedule.MAX_GAP)


@pytest.mark.parametrize("unlock_after, most_looks, most_lag", [
    (4, 1, 12 + JVM),  # seconds: noticed at the first look
    (600, 24, schedule.MAX_GAP + JVM),  # ten minutes
    (1800, 1800 / schedule.MAX_GAP + 1, schedule.MAX_GAP + JVM),  # half an hour: as often as AWS's script, at most
])
def test_alone_the_lag_and_the_looks_stay_bounded(unlock_after, most_looks, most_lag):
    fake = FakeTime()
    looks, lag = wait_for(unlock_after, fake)
    assert looks <= most_looks
    assert 0 <= lag <= most_lag


def test_alone_the_gap_grows_with_the_time_waited():
    fake = FakeTime()
    wait_for(300, fake)
    gaps = fake.sleeps
    assert gaps == sorted(gaps)  # never denser later
    assert gaps[-1] <= schedule.MAX_GAP
    assert gaps[0] == pytest.approx(schedule.DUTY * JVM)


def test_a_device_that_went_out_after_the_leaders_looks_sparsely_until_one_unlocks():
    leaders = [Seen(0.0, 25.0, None), Seen(1.0, 30.0, None)]  # both still UNLOCKING after 25 s
    # this device's unlock went out third: not a leader; at 5 s waited it skips to what the leaders have shown
    assert next_look(5.0, JVM, leaders, sent=5.0) == pytest.approx(30.0)
    assert next_look(5.0, JVM, leaders, sent=5.0) > next_look(5.0, JVM, [], sent=5.0)
    # ... but never further than MAX_GAP: one device's unlock time says nothing sure about another's
    slow_leaders = [Seen(0.0, 300.0, None), Seen(1.0, 280.0, None)]
    assert next_look(20.0, JVM, slow_leaders, sent=5.0) == pytest.approx(20.0 + schedule.MAX_GAP)
    # a leader keeps looking closely
    assert next_look(20.0, JVM, leaders[1:], sent=0.5) == pytest.approx(20.0 + schedule.DUTY * JVM)


@pytest.mark.parametrize("fastest", [8.0, 150.0, 1500.0])
def test_once_a_device_of_the_run_unlocked_the_others_look_around_its_duration(fastest):
    fleet = [Seen(0.0, fastest, fastest + 10)]
    gap = min(max(schedule.WINDOW * fastest, schedule.DUTY * JVM), schedule.MAX_GAP)
    # well before it: one look, at most a MAX_GAP away, at the earliest when an unlock like it could end
    assert next_look(1.0, JVM, fleet, sent=5.0) == pytest.approx(
        max(1.0 + gap, min(schedule.EARLY * fastest, 1.0 + schedule.MAX_GAP)))
    # within it: every WINDOW of that duration, bounded by the duty floor and MAX_GAP
    assert next_look(fastest, JVM, fleet, sent=5.0) == pytest.approx(fastest + gap)


def test_the_fastest_unlock_is_the_earlier_bound_of_each():
    assert schedule.fastest_unlock([Seen(0, 100.0, 130.0), Seen(0, 90.0, 140.0), Seen(0, 200.0, None)]) == 90.0
    # unlocked at the first look, never seen UNLOCKING: half way to that look
    assert schedule.fastest_unlock([Seen(0, None, 30.0)]) == 15.0
    assert schedule.fastest_unlock([Seen(0, 20.0, None)]) is None


@pytest.mark.parametrize("durations", [(60, 95, 130, 170), (600, 640, 610, 700), (1800, 1750, 1900, 1820)])
def test_a_fleet_notices_later_unlocks_closely_once_the_first_is_known(durations):
    """The first device to unlock tells the others when to look: they notice theirs within a quarter of that
    duration (never closer than the duty floor, never further than MAX_GAP), and spend no look before."""
    first = min(durations)
    fleet = [Seen(0.0, first - 5.0, first)]
    gap = min(max(schedule.WINDOW * (first - 5.0), schedule.DUTY * JVM), schedule.MAX_GAP)
    for unlock_after in sorted(durations)[1:]:
        fake = FakeTime()
        looks, lag = wait_for(unlock_after, fake, board=FakeBoard(fleet))
        assert lag <= gap + JVM
        before_window = int(schedule.EARLY * (first - 5.0) / schedule.MAX_GAP)
        assert looks <= before_window + (unlock_after - schedule.EARLY * (first - 5.0)) / (gap + JVM) + 2


def test_the_wait_tells_the_run_what_each_look_showed():
    fake = FakeTime()
    board = FakeBoard()
    looks, _lag = wait_for(40, fake, board=board)
    assert len(board.told) == looks + 1
    assert board.told[0].still is None and board.told[0].done is None  # the unlock went out
    assert all(seen.done is None for seen in board.told[1:-1])
    assert board.told[-1].done is not None and board.told[-1].done >= 40
    assert board.told[-1].still == board.told[-2].still < 40


def test_a_look_never_waits_past_the_deadline():
    fake = FakeTime()
    start = fake.now
    watch = Watch(None, None, JVM, clock=fake.clock, wall=fake.wall, sleep=fake.sleep)
    watch.look(lambda: "UNLOCKING", lambda result: result, deadline=start + 3.0)
    assert fake.now == pytest.approx(start + 3.0)


@pytest.mark.parametrize("fixed", [None, 10.0], ids=["adaptive", "poll_interval"])
def test_the_last_look_starts_early_enough_to_answer_before_the_deadline(fixed):
    """A client killed at the deadline (a JVM needs seconds to answer) would fail a device that unlocked in
    time: the last look starts twice the client's last run before the deadline, and says it was the last."""
    fake = FakeTime()
    deadline = fake.now + 20.0
    watch = Watch(fixed, None, JVM, clock=fake.clock, wall=fake.wall, sleep=fake.sleep, last_wall=1.5)

    def describe():
        fake.now += 1.5  # each look takes 1.5 s of wall time
        return "UNLOCKING"

    while not watch.final:
        watch.look(describe, lambda result: result, deadline)
        assert fake.now <= deadline
    assert deadline - fake.now >= 1.5  # the last look ended with time to spare


def test_a_look_that_waited_long_for_a_client_start_does_not_make_the_last_look_early():
    """Waiting for a free client start (the run's others held them) is not what a look needs before the deadline:
    the wait gave up at a third of its timeout when the line counted as the look's own time."""
    fake = FakeTime()
    deadline = fake.now + 400.0
    queued = [0.0]
    watch = Watch(None, None, JVM, clock=fake.clock, wall=fake.wall, sleep=fake.sleep, last_wall=1.5,
                  queued=lambda: queued[0])

    def describe():
        if not queued[0]:
            queued[0] = 100.0  # 100 s in line behind clients that hang, then 1.5 s for the client itself
            fake.now += 100.0
        fake.now += 1.5
        return "UNLOCKING"

    watch.look(describe, lambda result: result, deadline)
    assert watch.look_seconds == pytest.approx(1.5)
    watch.look(describe, lambda result: result, deadline)
    assert not watch.final and deadline - fake.now > 200.0


def test_the_wait_reads_the_run_again_while_it_waits():
    """A device waiting for a far look notices that another unlocked meanwhile, and looks earlier."""
    fake = FakeTime()
    board = FakeBoard([Seen(0.0, 70.0, None), Seen(1.0, 70.0, None)])
    watch = Watch(None, board, JVM, clock=fake.clock, wall=fake.wall, sleep=fake.sleep)
    watch.waited = 80.0  # looked at 80 s: the next look would be MAX_GAP later
    fake.now = watch.started + 80.0
    original = fake.sleep

    def sleep(seconds):
        original(seconds)
        if len(fake.sleeps) == 1:
            board.others.append(Seen(2.0, 60.0, 62.0))  # meanwhile, another device unlocked after about a minute

    fake.sleep = sleep
    watch.sleep = sleep
    watch.look(lambda: "UNLOCKING", lambda result: result)
    assert fake.now - watch.started < 80.0 + schedule.MAX_GAP
    assert fake.sleeps[0] == schedule.REPLAN
