# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unlock and wait state machine, with a scripted device and a clock that moves only when it sleeps."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _client
from ansible_collections.fieldops.snowball.plugins.module_utils import _unlock
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.tests.unit.plugins.fake_clock import Clock


def test_cluster_member_reachability_and_association_are_read():
    """describe-cluster's Devices carry NetworkReachability and ClusterAssociation (API types.go Device)."""
    raw = {"DeviceId": "JID1", "UnlockStatus": {"State": "LOCKED"}, "ActiveNetworkInterface": {"IpAddress": "192.0.2.3"},
           "ClusterAssociation": {"State": "ASSOCIATED", "ClusterId": "CID1"},
           "NetworkReachability": {"State": "UNREACHABLE"}}
    device = _client.parse_device(raw, "describe-cluster", "", "")
    assert (device["reachability"], device["association"]) == ("UNREACHABLE", "ASSOCIATED")
    assert _unlock.awaited([device], ["192.0.2.3"]) == "192.0.2.3 (JID1) LOCKED, UNREACHABLE, ASSOCIATED"
    assert "not in cluster_ips" in _unlock.awaited([device], ["192.0.2.4"])


class Described:
    """An EdgeClient stand-in for the state machine: describe() answers from a script of states, unlock commands
    are recorded."""

    def __init__(self, states, device_ips=None):
        self.states, self.device_ips, self.job_id, self.ctx = list(states), device_ips, None, Task()
        self.commands = []
        self.board, self.run_cpu, self.run_seconds, self.queued = None, 0.0, 0.0, 0.0

    def describe(self):
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return [{"id": "JID1", "ip": "192.0.2.10", "state": state, "reachability": "REACHABLE", "association": None}]

    def run(self, command, *extra):
        self.commands.append([command] + list(extra))
        return "", ""


class Task:
    def __init__(self):
        self.lines = []

    def warn(self, msg):
        raise AssertionError(msg)

    def progress(self, msg):
        self.lines.append(msg)


def test_waits_until_unlocked_polling_at_the_interval():
    clock = Clock()
    client = Described(["LOCKED", "UNLOCKING", "UNLOCKING", "UNLOCKED"])
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep)
    devices = unlocker.describe()
    unlocker.unlock(devices)
    assert unlocker.wait_unlocked(60, 5, 0.0)[0]["state"] == "UNLOCKED"
    assert client.commands == [["unlock-device"]] and clock.now == 10


def test_a_device_back_at_locked_after_the_unlock_refused_it():
    clock = Clock()
    client = Described(["LOCKED", "UNLOCKING", "LOCKED"])
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep)
    unlocker.unlock(unlocker.describe())
    with pytest.raises(SnowballError, match="refused the unlock"):
        unlocker.wait_unlocked(60, 5, 0.0)


def test_a_timeout_names_what_is_still_awaited():
    clock = Clock()
    client = Described(["UNLOCKING"])
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep)
    with pytest.raises(SnowballError, match="Timed out after 30s waiting for UNLOCKED; still waiting for: "
                                            "192.0.2.10 \\(JID1\\) UNLOCKING, REACHABLE"):
        unlocker.wait_unlocked(30, 10, 0.0)
    assert clock.now == 30


def test_the_wait_reports_each_state_change_and_a_heartbeat_every_thirty_seconds():
    clock = Clock()
    client = Described(["LOCKED"] + ["UNLOCKING"] * 8 + ["UNLOCKED"])
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep)
    unlocker.unlock(unlocker.describe())
    unlocker.wait_unlocked(900, 10, 0.0)
    assert client.ctx.lines[0].startswith("waiting up to 900s for 192.0.2.10 (JID1) to report UNLOCKED; a line at "
                                          "each change, at least every 30s. Ctrl-C is safe: ")
    assert client.ctx.lines[1:] == [
        "192.0.2.10 (JID1) UNLOCKING (0s of 900s)",
        "waiting for UNLOCKED, 30s of 900s: 192.0.2.10 (JID1) UNLOCKING",
        "waiting for UNLOCKED, 60s of 900s: 192.0.2.10 (JID1) UNLOCKING",
        "192.0.2.10 (JID1) UNLOCKING -> UNLOCKED (80s of 900s)",
    ]


def test_a_stand_alone_device_is_never_said_to_report_another_job():
    # A stand-alone device's DeviceId is its own (developer guide using-client-commands.md examples), not its job's.
    device = {"id": "JID6ebd4c50-c3a1-4b16-b32c-b254f9b7f2dc", "ip": "192.0.2.10", "state": "LOCKED",
              "reachability": "REACHABLE", "association": None}
    message = _unlock.refused_message([device], "JID123e4567-e89b-12d3-a456-426655440000")
    assert "reports job" not in message and "refused the unlock" in message
    node = dict(device, association="ASSOCIATED")
    assert ("The node reports job JID6ebd4c50-c3a1-4b16-b32c-b254f9b7f2dc and the profile is for job "
            "JID123e4567-e89b-12d3-a456-426655440000") in _unlock.refused_message([node], "JID123e4567-e89b-12d3-a456-426655440000")


class Warned:
    def __init__(self):
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)

    def progress(self, msg):
        pass


def test_an_unreachable_cluster_node_is_given_twenty_minutes():
    client = Described(["LOCKED"], device_ips=["192.0.2.10", "192.0.2.11"])
    client.ctx = Warned()
    client.describe = lambda: [
        {"id": "JID1", "ip": "192.0.2.10", "state": "UNLOCKED", "reachability": "REACHABLE", "association": "ASSOCIATED"},
        {"id": None, "ip": "192.0.2.11", "state": "LOCKED", "reachability": "UNREACHABLE", "association": None}]
    clock = Clock()
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep)
    with pytest.raises(SnowballError, match="a cluster node needs about 20 minutes after power-on"):
        unlocker.wait_unlocked(10, 5, 0.0)
    assert len(client.ctx.warnings) == 1 and "192.0.2.11" in client.ctx.warnings[0]
    assert "about 20 minutes" in client.ctx.warnings[0]


class UnlocksAt(Described):
    """A device that answers UNLOCKING until ``clock`` reaches ``at`` seconds, UNLOCKED from then on; each look
    is recorded at its time."""

    def __init__(self, clock, at):
        super().__init__(["UNLOCKING"])
        self.clock, self.at, self.looks = clock, at, []
        self.run_cpu = 1.5  # the unlock's client run: a JVM start

    def describe(self):
        self.looks.append(self.clock.now)
        state = "UNLOCKED" if self.clock.now >= self.at else "UNLOCKING"
        return [{"id": "JID1", "ip": "192.0.2.10", "state": state, "reachability": "REACHABLE", "association": None}]


class TimedTask(Task):
    def __init__(self, clock):
        super().__init__()
        self.clock, self.times = clock, []

    def progress(self, msg):
        super().progress(msg)
        self.times.append(self.clock.now)


@pytest.mark.parametrize("unlock_after", [90.0, 200.0, 700.0])  # "several minutes" in practice
def test_unset_poll_interval_waits_alone_on_the_adaptive_schedule_with_the_heartbeat_kept(unlock_after):
    """Without a run to share (no /proc), the device waits alone on the schedule: UNLOCKED
    noticed within a fraction of the unlock's own duration, and still a progress line at least every 30 s. Far
    fewer looks than every 10 s once the unlock takes minutes."""
    clock = Clock()
    client = UnlocksAt(clock, unlock_after)
    client.ctx = TimedTask(clock)
    known = [{"id": "JID1", "ip": "192.0.2.10", "state": "LOCKED", "reachability": "REACHABLE", "association": None}]
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep, cpu=lambda: 0.0)
    devices = unlocker.wait_unlocked(900, None, 0.0, known)
    assert devices[0]["state"] == "UNLOCKED"
    assert client.ctx.lines[0].startswith("waiting up to 900s for 192.0.2.10 (JID1) to report UNLOCKED")
    assert client.ctx.times[0] == 0.0 < client.looks[0]  # the first line before the first look
    assert client.looks[0] == 15.0  # ten of the unlock's own client runs' CPU: the client takes a tenth of a core
    if unlock_after >= 200:
        assert len(client.looks) < unlock_after / 10
    assert client.looks[-1] - unlock_after <= max(15.0, 0.3 * unlock_after)
    gaps = [later - earlier for earlier, later in zip(client.ctx.times, client.ctx.times[1:])]
    assert max(gaps) <= 30, client.ctx.times
    assert client.ctx.lines[-1].startswith("192.0.2.10 (JID1) UNLOCKING -> UNLOCKED")


class UnreadBoard:
    """A run board that fails the test when read: a set poll_interval must not consult the run."""

    def fleet(self):
        raise AssertionError("the run was read")

    def tell(self, sent, still, done):
        raise AssertionError("the run was told")


def test_a_poll_interval_the_user_set_is_the_rule_even_inside_a_run():
    clock = Clock()
    client = UnlocksAt(clock, 37.0)
    client.board = UnreadBoard()
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep, cpu=lambda: 0.0)
    unlocker.wait_unlocked(900, 4, 0.0)
    assert client.looks == [4.0 * look for look in range(11)]


class Flaky(Described):
    """A device that does not answer (the client's "Connection refused") where its script says DOWN."""

    def __init__(self, states):
        super().__init__(states)
        self.ctx.warn = self.ctx.lines.append  # warnings land beside the progress lines

    def describe(self):
        if self.states[0] == "DOWN":
            self.states.pop(0)
            raise SnowballError("snowballEdge describe-device failed", client_error="Connection refused")
        return super().describe()


def test_a_device_that_stops_answering_while_it_unlocks_is_waited_for():
    clock = Clock()
    client = Flaky(["LOCKED", "UNLOCKING", "DOWN", "DOWN", "UNLOCKING", "UNLOCKED"])
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep)
    unlocker.unlock(unlocker.describe())
    devices = unlocker.wait_unlocked(900, 10, 0.0)
    assert devices[0]["state"] == "UNLOCKED" and client.commands == [["unlock-device"]]
    assert [line for line in client.ctx.lines if "stopped answering" in line] == [
        "192.0.2.10 (JID1) stopped answering while it unlocks (Connection refused); still waiting for it until the "
        "timeout."]


def test_a_device_that_comes_back_locked_after_a_power_cut_is_unlocked_again():
    clock = Clock()
    client = Flaky(["LOCKED", "UNLOCKING", "DOWN", "LOCKED", "UNLOCKING", "UNLOCKED"])
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep)
    unlocker.unlock(unlocker.describe())
    assert unlocker.wait_unlocked(900, 10, 0.0)[0]["state"] == "UNLOCKED"
    assert client.commands == [["unlock-device"], ["unlock-device"]]


def test_a_device_that_never_answers_again_times_out_named_unreachable():
    clock = Clock()
    client = Flaky(["LOCKED", "UNLOCKING"] + ["DOWN"] * 20)
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep)
    unlocker.unlock(unlocker.describe())
    with pytest.raises(SnowballError, match=r"still waiting for: 192.0.2.10 \(JID1\) UNLOCKING, UNREACHABLE"):
        unlocker.wait_unlocked(60, 10, 0.0)


def test_a_device_that_does_not_answer_at_the_first_look_is_still_a_failure():
    client = Flaky(["DOWN"])
    with pytest.raises(SnowballError, match="describe-device failed"):
        _unlock.Unlocker(client).describe()


def test_a_device_that_unlocks_just_before_the_timeout_is_not_failed():
    """Its last look is taken early enough to answer (each look here takes 1.5 s, as a JVM start does)."""
    clock = Clock()

    class SlowLooks(UnlocksAt):
        def describe(self):
            self.clock.now += 1.5  # the client reads the state at the end of its start-up
            return super().describe()

    client = SlowLooks(clock, 16.5)
    client.run_seconds = 1.5
    looks = client.looks
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep, cpu=lambda: 0.0)
    devices = unlocker.wait_unlocked(20, 5, 0.0)
    assert devices[0]["state"] == "UNLOCKED" and clock.now <= 20, looks


def test_a_device_whose_wait_failed_no_longer_leads_the_runs_other_devices():
    clock = Clock()

    class Board:
        forgotten = False

        def fleet(self):
            return []

        def tell(self, sent, still, done):
            pass

        def forget(self):
            self.forgotten = True

    client = UnlocksAt(clock, 10 ** 6)
    client.board = Board()
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep, cpu=lambda: 0.0)
    with pytest.raises(SnowballError, match="Timed out after 60s"):
        unlocker.wait_unlocked(60, None, 0.0)
    assert client.board.forgotten


def test_a_last_look_stopped_by_the_waits_own_timeout_reads_as_a_timeout():
    """A busy laptop's JVM that cannot answer before the deadline: the wait ran out, not the client."""
    clock = Clock()

    class CutShort(UnlocksAt):
        def describe(self):
            if len(self.looks) == 2:
                self.clock.now = 20.0
                raise SnowballError("snowballEdge describe-device: the client did not answer within 3 s",
                                    client_timeout=True, deadline=True)
            return super().describe()

    client = CutShort(clock, 10 ** 6)
    unlocker = _unlock.Unlocker(client, clock=clock, sleep=clock.sleep, cpu=lambda: 0.0)
    with pytest.raises(SnowballError, match=r"Timed out after 20s waiting for UNLOCKED; still waiting for: "
                                            r"192.0.2.10 \(JID1\) UNLOCKING"):
        unlocker.wait_unlocked(20, 5, 0.0)
