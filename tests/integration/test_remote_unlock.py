# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remote unlock in real ansible-playbook runs: a fleet from the office through the Snow Device Management
stand-in, with the Snowball API stand-in watching that no unlock code is ever asked for."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.fieldops.snowball.tests.standins.harness import ENTRY_PLAY, module_play
from ansible_collections.fieldops.snowball.tests.standins.sdm_api import SdmServer
from ansible_collections.fieldops.snowball.tests.standins.sdm_world import SdmWorld

# Real time, in fractions of a second: the devices report five times a second and unlock in 0.3 s.
FAST_DEVICE = dict(contact_interval=0.2, unlock_seconds=0.3)


@pytest.fixture
def sdm():
    server = SdmServer(SdmWorld(execution_timeout=1.5)).start()
    yield server
    server.stop()


def fleet(site, sdm, count, **device_options):
    """``count`` jobs at the Snowball stand-in, each with a managed device; returns {host name: job id}."""
    jobs = {}
    for index in range(count):
        job_id = site.world.add_job()["metadata"]["JobId"]
        sdm.world.add_device(job_id, **dict(FAST_DEVICE, **device_options))
        jobs["device%02d" % index] = job_id
    return jobs


def hosts_of(sdm, jobs, **extra):
    return {name: dict({"snowball_unlock_job_id": job_id, "snowball_unlock_aws_endpoint_url": sdm.endpoint_url,
                        "snowball_unlock_aws_region": "us-east-1", "snowball_unlock_poll_interval": 0.2,
                        "snowball_unlock_timeout": 60}, **extra) for name, job_id in jobs.items()}


def run_remote(site, hosts, args=()):
    return site.playbook(ENTRY_PLAY % "remote", hosts=hosts, args=args)


def recap(stdout):
    """The PLAY RECAP: {host: {"ok": n, "changed": n, "failed": n, ...}}."""
    return {match.group(1): {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(2))}
            for match in re.finditer(r"^(\S+)\s+:\s+(ok=.*)$", stdout, re.MULTILINE)}


def device_states(sdm):
    now = sdm.world.clock()
    return {device["job_id"]: sdm.world.device_state(device_id, now) for device_id, device in sdm.world.devices.items()}


def no_code_was_asked_for(site):
    return site.world.count("GetJobUnlockCode") == 0 and site.world.count("GetJobManifest") == 0


def test_fleet_of_twelve_is_unlocked_in_two_tasks_by_the_installed_playbook_and_a_rerun_sends_none(site, sdm):
    jobs = fleet(site, sdm, 12)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
               site.inventory(hosts_of(sdm, jobs)), "fieldops.snowball.unlock_remote"]
    first = subprocess.run(command, env=site.env(), cwd=site.root, capture_output=True, text=True, timeout=600, check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    assert set(device_states(sdm).values()) == {"UNLOCKED"}
    assert sorted(len(task["targets"]) for task in sdm.world.tasks.values()) == [2, 10]
    assert sdm.world.count("CreateTask") == 2
    assert "changed=1" in first.stdout  # the one run_once task, on the first host
    assert first.stdout.count("UNLOCKED (unlock task st-") == 12
    assert no_code_was_asked_for(site)

    again = subprocess.run(command, env=site.env(), cwd=site.root, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert sdm.world.count("CreateTask") == 2
    assert "changed=1" not in again.stdout
    assert again.stdout.count("UNLOCKED (it was unlocked already; nothing changed).") == 12
    assert no_code_was_asked_for(site)


def test_a_run_that_gave_up_is_followed_by_one_that_finds_the_same_task(site, sdm):
    """The first run ends at its timeout while the devices have not picked the task up (as a crash would end
    it). They come back on line and run it; AWS's view of them lags 3 s, so the next run still sees them locked and
    finds the first run's task again (its executions still open, or ended under the same clientToken): no second
    task."""
    sdm.world.execution_timeout = 600
    jobs = fleet(site, sdm, 2, contact_interval=600, last_contact_age=5, cache_lag=3)
    first = run_remote(site, hosts_of(sdm, jobs, snowball_unlock_timeout=1))
    assert first.returncode == 2 and "was still QUEUED after 1s" in first.stdout, first.stdout + first.stderr
    for device_id in sdm.world.devices:
        sdm.world.set_online(device_id, contact_interval=0.2)  # back on line: they take the queued task now
    again = run_remote(site, hosts_of(sdm, jobs))
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(sdm.world.tasks) == 1
    assert set(device_states(sdm).values()) == {"UNLOCKED"}


def test_a_device_still_queued_gets_no_second_task_when_the_rest_of_its_batch_unlocked(site, sdm):
    """One device of the batch unlocks, the other never reports: every re-run waits on its queued execution."""
    sdm.world.execution_timeout = 600
    jobs = fleet(site, sdm, 1)
    jobs["silent"] = site.world.add_job()["metadata"]["JobId"]
    sdm.world.add_device(jobs["silent"], last_contact_age=None)
    for _run in range(2):
        result = run_remote(site, hosts_of(sdm, jobs, snowball_unlock_timeout=2))
        assert result.returncode == 2 and "was still QUEUED after 2s" in result.stdout, result.stdout + result.stderr
        assert "within the hour" not in result.stdout
    assert [sorted(task["targets"]) for task in sdm.world.tasks.values()] == [sorted(sdm.world.devices)]
    assert recap(result.stdout)["silent"]["failed"] == 1 and recap(result.stdout)["device00"]["failed"] == 0


def test_a_host_with_a_bad_job_id_fails_alone_and_the_others_are_unlocked(site, sdm):
    jobs = fleet(site, sdm, 2)
    jobs["typed-from-label"] = jobs["device01"].upper()
    result = run_remote(site, hosts_of(sdm, jobs))
    assert result.returncode == 2, result.stdout + result.stderr
    summary = recap(result.stdout)
    assert summary["typed-from-label"]["failed"] == 1
    assert summary["device00"]["failed"] == 0 and summary["device01"]["failed"] == 0
    assert "job_id must be a Snowball job id" in result.stdout
    assert set(device_states(sdm).values()) == {"UNLOCKED"}


def test_a_job_id_on_two_hosts_fails_both_and_the_others_are_unlocked(site, sdm):
    jobs = fleet(site, sdm, 2)
    jobs["copy-pasted"] = jobs["device01"]
    result = run_remote(site, hosts_of(sdm, jobs))
    assert result.returncode == 2, result.stdout + result.stderr
    summary = recap(result.stdout)
    assert summary["device00"]["failed"] == 0
    assert summary["device01"]["failed"] == 1 and summary["copy-pasted"]["failed"] == 1
    assert "is listed 2 times" in result.stdout
    assert [task["targets"] for task in sdm.world.tasks.values()] == [[next(iter(sdm.world.devices))]]


def test_a_cluster_written_as_one_host_is_refused_and_no_node_gets_a_task(site, sdm):
    """The on-site inventory's cluster form: one host, node 1's job id, the nodes' addresses."""
    nodes = fleet(site, sdm, 3)
    jobs = {"rack1": nodes["device00"], "single": None}
    single = fleet(site, sdm, 1)
    jobs["single"] = single["device00"]
    hosts = hosts_of(sdm, jobs)
    hosts["rack1"]["snowball_unlock_cluster_ips"] = ["192.0.2.11", "192.0.2.12", "192.0.2.13"]
    result = run_remote(site, hosts)
    assert result.returncode == 2, result.stdout + result.stderr
    assert recap(result.stdout)["rack1"]["failed"] == 1 and recap(result.stdout)["single"]["failed"] == 0
    assert "list each node as its own host" in result.stdout
    states = device_states(sdm)
    assert [states[job_id] for job_id in nodes.values()] == ["LOCKED"] * 3 and states[jobs["single"]] == "UNLOCKED"


def test_device_without_remote_management_fails_only_its_host_and_says_how_to_enable_it(site, sdm):
    jobs = fleet(site, sdm, 2)
    jobs["ordered-without-sdm"] = site.world.add_job()["metadata"]["JobId"]
    result = run_remote(site, hosts_of(sdm, jobs))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "ordered without remote management" in result.stdout
    assert "set-features --remote-management-state INSTALLED_AUTOSTART" in result.stdout
    assert {host: counts["failed"] for host, counts in recap(result.stdout).items()} == {
        "device00": 0, "device01": 0, "ordered-without-sdm": 1}
    assert set(device_states(sdm).values()) == {"UNLOCKED"}
    assert no_code_was_asked_for(site)


def test_stale_device_is_named_in_a_warning_before_its_task_times_out(site, sdm):
    jobs = fleet(site, sdm, 1)
    stale = site.world.add_job()["metadata"]["JobId"]
    sdm.world.add_device(stale, last_contact_age=7200, contact_interval=0.2)
    jobs["stale"] = stale
    result = run_remote(site, hosts_of(sdm, jobs))
    assert result.returncode == 2, result.stdout + result.stderr
    output = " ".join((result.stdout + result.stderr).split())
    assert "last contacted AWS" in output and "120 minutes ago" in output
    assert "ended TIMED_OUT" in output and "no route to AWS" in output
    assert device_states(sdm)[jobs["device00"]] == "UNLOCKED"


def test_rejected_execution_fails_its_host_with_the_next_step(site, sdm):
    jobs = fleet(site, sdm, 1, outcome="REJECTED")
    result = run_remote(site, hosts_of(sdm, jobs))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "ended REJECTED" in result.stdout and "AWS OpsHub" in result.stdout
    assert device_states(sdm) == {jobs["device00"]: "LOCKED"}


def test_check_mode_sends_no_task(site, sdm):
    jobs = fleet(site, sdm, 3)
    result = run_remote(site, hosts_of(sdm, jobs), args=["--check"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert sdm.world.count("CreateTask") == 0
    assert set(device_states(sdm).values()) == {"LOCKED"}
    assert "changed=1" in result.stdout
    assert result.stdout.count("is LOCKED (check mode: it would be unlocked).") == 3


def test_throttling_is_survived_without_a_second_task(site, sdm):
    jobs = fleet(site, sdm, 2)
    sdm.world.faults.throttle_next = 3
    result = run_remote(site, hosts_of(sdm, jobs))
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(sdm.world.tasks) == 1
    assert set(device_states(sdm).values()) == {"UNLOCKED"}


def test_a_poll_interval_that_is_not_a_number_is_refused_before_any_task(site, sdm):
    jobs = fleet(site, sdm, 2)
    result = run_remote(site, hosts_of(sdm, jobs), args=["-e", '{"snowball_unlock_poll_interval": NaN}'])
    assert result.returncode == 2, result.stdout + result.stderr
    assert "poll_interval must be a number of seconds above 0 and at most 86400" in result.stdout
    assert not sdm.world.tasks and sdm.world.count() == 0


def test_access_denied_names_the_missing_iam_action_before_any_task(site, sdm):
    jobs = fleet(site, sdm, 2)
    sdm.world.faults.denied = {"CreateTask"}
    result = run_remote(site, hosts_of(sdm, jobs))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "snow-device-management:CreateTask" in result.stdout
    assert not sdm.world.tasks


def test_module_takes_managed_device_ids_and_reports_each_device(site, sdm):
    job_id = site.world.add_job()["metadata"]["JobId"]
    device_id = sdm.world.add_device(job_id, **FAST_DEVICE)
    tasks = """
    - name: Unlock by managed device id
      fieldops.snowball.snowball_remote_unlock:
        managed_device_ids: [%s]
        endpoint_url: %s
        poll_interval: 0.2
      register: unlocked
    - name: The result names the device, its job and its end state
      ansible.builtin.assert:
        that:
          - unlocked is changed
          - unlocked.devices[0].job_id == '%s'
          - unlocked.devices[0].device_state == 'UNLOCKED'
          - unlocked.devices[0].execution_state == 'SUCCEEDED'
          - unlocked.devices[0].last_reached_out_at is string
          - unlocked.task_ids | length == 1
""" % (device_id, sdm.endpoint_url, job_id)
    result = site.playbook(module_play(site, tasks))
    assert result.returncode == 0, result.stdout + result.stderr


def test_documentation_renders_and_its_examples_pass_a_syntax_check(site):
    bindir = os.path.dirname(sys.executable)
    name = "fieldops.snowball.snowball_remote_unlock"
    metadata = json.loads(subprocess.run([os.path.join(bindir, "ansible-doc"), "--json", name], env=site.env(),
                                         capture_output=True, text=True, check=True).stdout)[name]
    assert set(metadata["doc"]["options"]) >= {"job_ids", "managed_device_ids", "timeout", "poll_interval",
                                               "offline_after", "region", "endpoint_url"}
    assert set(metadata["return"]["devices"]["contains"]) == {"job_id", "managed_device_id", "device_state",
                                                              "execution_state", "last_reached_out_at", "task_id", "msg"}
    playbook = os.path.join(site.root, "examples.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        yaml.safe_dump([{"name": "Examples", "hosts": "localhost", "gather_facts": False,
                         "tasks": yaml.safe_load(metadata["examples"])}], handle)
    check = subprocess.run([os.path.join(bindir, "ansible-playbook"), "--syntax-check", "-i", "localhost,", playbook],
                           env=site.env(), capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
