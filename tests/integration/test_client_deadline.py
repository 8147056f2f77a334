# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client that does not answer (tests/standins/snowball_edge_sim.py's hang: it starts a child that holds its
output, and both sleep for an hour) fails the task by its deadline, naming the command, with the client and
its child killed: in the probe (device info, under the task's timeout keyword), in the unlock (under its own
timeout) and in the credentials module (under client_timeout), on the path the suite runs."""

from __future__ import annotations

import os
import time

from ansible_collections.fieldops.snowball.tests.integration.test_device import info_task, profile_task, run, task

IP = "192.0.2.10"


def alive(pid):
    """Whether ``pid`` still runs (a zombie waiting to be reaped does not)."""
    try:
        with open("/proc/%d/status" % pid, encoding="ascii") as handle:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in handle)
    except FileNotFoundError:
        return False


def nothing_left(site):
    hangs = site.client_hangs()
    assert hangs, "the client never hung: the test did not test anything"
    for _attempt in range(300):  # bounded: init reaps the killed processes in its own time
        if not any(alive(hang[key]) for hang in hangs for key in ("pid", "child_pid")):
            return True
        time.sleep(0.01)
    return False


def test_the_probe_fails_by_the_tasks_timeout_naming_the_command(site):
    job_id = site.add_device(ip=IP)
    site.hang_client(["describe-device"])
    started = time.monotonic()
    process = run(site, profile_task(site, job_id, IP) + info_task() + "      timeout: 10\n")
    result = task(process, "Info")
    assert time.monotonic() - started < 120
    assert result["failed"] and "snowballEdge describe-device: the client did not answer within 8 s" in result["msg"], \
        result
    assert nothing_left(site)


def test_the_unlock_fails_by_its_own_timeout_naming_the_command(site):
    job_id = site.add_device(ip=IP)
    site.hang_client(["unlock-device"])
    tasks = profile_task(site, job_id, IP) + """
    - name: Unlock
      fieldops.snowball.snowball_edge_unlock:
        profile: dev
        timeout: 4
        poll_interval: 0.2
"""
    result = task(run(site, tasks), "Unlock")
    assert result["failed"] and "snowballEdge unlock-device: the client did not answer within" in result["msg"], result
    assert result["elapsed"] < 30
    assert nothing_left(site)


def test_the_credentials_module_fails_by_client_timeout_and_writes_nothing(site):
    job_id = site.add_device(ip=IP, device_state="UNLOCKED")
    site.hang_client(["list-access-keys"])
    tasks = profile_task(site, job_id, IP) + """
    - name: Credentials
      fieldops.snowball.snowball_edge_credentials:
        profile: dev
        aws_profile: bench
        client_timeout: 3
"""
    result = task(run(site, tasks), "Credentials")
    assert result["failed"] and "snowballEdge list-access-keys: the client did not answer within 3 s" in result["msg"], \
        result
    assert not os.path.exists(os.path.join(site.home, ".aws", "credentials"))
    assert nothing_left(site)
