# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lines shown while devices unlock, on a clock the test moves."""

from __future__ import annotations

from ansible_collections.fieldops.snowball.plugins.module_utils._progress import Progress
from ansible_collections.fieldops.snowball.tests.unit.plugins.fake_clock import Clock


def node(ip, state, reachability="REACHABLE"):
    return {"id": None, "ip": ip, "state": state, "reachability": reachability, "association": "ASSOCIATED"}


def watch(clock):
    lines = []
    return lines, Progress(lines.append, 900, 100.0, clock)


def test_each_cluster_node_gets_its_own_line_when_it_changes_and_an_unreachable_node_is_named():
    clock = Clock(100.0)
    lines, progress = watch(clock)
    progress.seen([node("192.0.2.10", "LOCKED"), node("192.0.2.11", "LOCKED")])
    clock.now += 5
    progress.seen([node("192.0.2.10", "UNLOCKING"), node("192.0.2.11", "LOCKED", "UNREACHABLE")])
    assert lines == ["192.0.2.10 LOCKED; 192.0.2.11 LOCKED (0s of 900s)",
                     "192.0.2.10 LOCKED -> UNLOCKING; 192.0.2.11 LOCKED -> LOCKED, UNREACHABLE (5s of 900s)"]


def test_no_heartbeat_sooner_than_thirty_seconds_after_the_last_line():
    clock = Clock(100.0)
    lines, progress = watch(clock)
    devices = [node("192.0.2.10", "UNLOCKING")]
    progress.seen(devices)
    for _look in range(5):
        clock.now += 5
        progress.seen(devices)
    assert len(lines) == 1
    clock.now += 5
    progress.seen(devices)
    assert lines[-1] == "waiting for UNLOCKED, 30s of 900s: 192.0.2.10 UNLOCKING"


def test_a_heartbeat_names_only_the_devices_still_awaited():
    clock = Clock(100.0)
    lines, progress = watch(clock)
    devices = [node("192.0.2.10", "UNLOCKED"), node("192.0.2.11", "UNLOCKING")]
    progress.seen(devices)
    clock.now += 31
    progress.seen(devices)
    assert lines[-1] == "waiting for UNLOCKED, 31s of 900s: 192.0.2.11 UNLOCKING"


def test_the_first_line_says_what_is_awaited_for_how_long_and_that_ctrl_c_is_safe():
    clock = Clock(100.0)
    lines, progress = watch(clock)
    progress.start([node("192.0.2.10", "LOCKED"), node("192.0.2.11", "LOCKED")])
    assert lines[0].startswith("waiting up to 900s for 192.0.2.10, 192.0.2.11 to report UNLOCKED")
    assert "Ctrl-C is safe" in lines[0] and "running the play again" in lines[0]
