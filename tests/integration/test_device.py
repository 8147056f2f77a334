# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device side as AWS documents it, in real ansible-playbook runs against the stand-ins, on the path the
suite runs (in-process or shipped: FIELDOPS_SNOWBALL_TEST_PATH).

Sources, as cited in tests/standins/snowball_edge_sim.py: "DG" is the Snowball Edge developer guide (archived
awsdocs/aws-snowball-developer-guide, doc_source/), "API" the on-device API's generated client in
aws/eks-anywhere (internal/aws-sdk-go-v2/service/snowballdevice), "AWS scripts"
aws-samples/aws-snow-tools-for-eks-anywhere setup-tools/, "BOTO" botocore's snowball service model."""

from __future__ import annotations

import json
import os
import sys

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import SIMULATOR, module_play, result_of

JSON_OUTPUT = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}
IPS = ["192.0.2.31", "192.0.2.32", "192.0.2.33"]


def profile_task(site, job_id, ip, manifest_job=None, cluster_ips=None):
    """A task writing profile ``dev`` with the job's code and (another job's, if given) manifest."""
    return """
    - name: Profile
      fieldops.snowball.snowball_edge_profile:
        name: dev
        job_id: %s
        unlock_code: %s
        manifest_path: %s
        endpoint: %s
        cluster_ips: %s
""" % (job_id, site.world.jobs[job_id]["unlock_code"], site.manifest_file(manifest_job or job_id), ip,
       json.dumps(cluster_ips or []))


def unlock_task(cluster_ips=None, timeout=30, poll_interval=0.2, client="snowballEdge"):
    return """
    - name: Unlock
      fieldops.snowball.snowball_edge_unlock:
        profile: dev
        cluster_ips: %s
        timeout: %s
        poll_interval: %s
        client: %s
""" % (json.dumps(cluster_ips or []), timeout, poll_interval, client)


def info_task(client="snowballEdge", cluster_ips=None):
    return """
    - name: Info
      fieldops.snowball.snowball_edge_device_info:
        profile: dev
        client: %s
        cluster_ips: %s
""" % (client, json.dumps(cluster_ips or []))


def run(site, tasks, env=None):
    return site.playbook(module_play(site, tasks), env=dict(JSON_OUTPUT, **(env or {})))


def task(process, name):
    return result_of(process, name)["localhost"]


def words(text):
    """Text with whitespace collapsed (Ansible wraps warnings)."""
    return " ".join(text.split())


def warnings_of(process, name):
    """The task's warnings: in the result when shipped, on the display when run in-process."""
    return words(" ".join(task(process, name).get("warnings", [])) + " " + process.stdout + " " + process.stderr)


def describes_after_unlock(site, command="describe-device", unlock="unlock-device"):
    calls = site.client_invocations()
    first = min(index for index, call in enumerate(calls) if call["command"] == unlock)
    return [call for call in calls[first:] if call["command"] == command]


# --- 1. a refused unlock fails at once


def test_refused_unlock_locked_at_first_poll_fails_at_once(site):
    """AWS scripts' unlock-devices.sh polls describe-device after unlock-device (exit 0) and treats LOCKED as
    "Failed to unlock device": the device refused the credentials. Without the check the task would poll until
    its timeout and report "Timed out"."""
    job_id = site.add_device(ip=IPS[0], refuse_unlock=True)
    process = run(site, profile_task(site, job_id, IPS[0]) + unlock_task(timeout=60))
    result = task(process, "Unlock")
    assert result["failed"] and "refused the unlock" in result["msg"], result
    assert "job id on the device's display" in result["msg"] and "manifest" in result["msg"]
    assert "Timed out" not in result["msg"]
    assert len(describes_after_unlock(site)) == 1  # one poll after the command, not a timeout's worth
    assert site.device_states() == {IPS[0]: "LOCKED"}


def test_refused_unlock_unlocking_then_locked_fails_without_waiting_for_the_timeout(site):
    """The device accepts the command, reports UNLOCKING, then LOCKED (AWS scripts: a failure)."""
    job_id = site.add_device(ip=IPS[0], refuse_unlock=True, unlock_delay=0.6)
    process = run(site, profile_task(site, job_id, IPS[0]) + unlock_task(timeout=120))
    result = task(process, "Unlock")
    assert result["failed"] and "refused the unlock" in result["msg"], result
    assert "Timed out" not in result["msg"]
    assert [device["state"] for device in result["devices"]] == ["LOCKED"]


def test_a_device_that_accepts_after_a_refusal_unlocks_on_the_next_run(site):
    job_id = site.add_device(ip=IPS[0], refuse_unlock=1, unlock_delay=0.3)
    tasks = profile_task(site, job_id, IPS[0]) + unlock_task()
    first = task(run(site, tasks), "Unlock")
    assert first["failed"] and "refused the unlock" in first["msg"], first
    second = task(run(site, tasks), "Unlock")
    assert second.get("failed") is not True and second["device_state"] == "UNLOCKED", second


# --- 2. unreachable cluster nodes are named; a device still booting says so


def test_unreachable_cluster_node_is_named_while_waiting_and_in_the_failure(site):
    """describe-cluster lists every node, an unhealthy one with NetworkReachability.State UNREACHABLE, and does not
    fail (DG ClusterOverview.md, administerclusterfortpoint.md; API enums.go)."""
    cluster = site.add_cluster(IPS, unreachable=[IPS[2]])
    tasks = profile_task(site, cluster.job_ids[0], IPS[0], cluster_ips=IPS)
    tasks += unlock_task(IPS, timeout=2, poll_interval=0.3)
    process = run(site, tasks)
    result = task(process, "Unlock")
    assert result["failed"] and "Timed out" in result["msg"]
    assert "%s (%s) LOCKED, UNREACHABLE, ASSOCIATED" % (IPS[2], cluster.job_id(IPS[2])) in result["msg"]
    waiting = result["msg"].partition("still waiting for: ")[2].partition(". An UNREACHABLE")[0]
    assert IPS[0] not in waiting and IPS[1] not in waiting and IPS[2] in waiting
    assert "Cluster node %s (%s) is UNREACHABLE" % (IPS[2], cluster.job_id(IPS[2])) in warnings_of(process, "Unlock")
    assert {device["ip"]: device["reachability"] for device in result["devices"]} == {
        IPS[0]: "REACHABLE", IPS[1]: "REACHABLE", IPS[2]: "UNREACHABLE"}
    assert site.device_states() == {IPS[0]: "UNLOCKED", IPS[1]: "UNLOCKED", IPS[2]: "LOCKED"}


def test_a_node_that_answers_again_while_waiting_is_unlocked_with_the_cluster(site):
    """A node that comes back is reconnected with unlock-cluster (DG administerclusterfortpoint.md). The node still
    boots (refuses connections) when unlock-cluster goes out, so that run skips it; the client used here finishes
    its boot right after that run, so the wait sees it LOCKED and REACHABLE, without a sleep."""
    cluster = site.add_cluster(IPS, refused=[IPS[2]])
    mark = os.path.join(site.root, "booted")
    client = os.path.join(site.bin, "boots-after-unlock")
    with open(client, "w", encoding="utf-8") as handle:
        handle.write("""#!%s
import importlib.util, os, subprocess, sys
rc = subprocess.call([%r] + sys.argv[1:])
if sys.argv[1] == "unlock-cluster" and not os.path.exists(%r):
    open(%r, "w").close()
    spec = importlib.util.spec_from_file_location("sim", %r)
    sim = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sim)
    with sim.devices_locked() as devices:
        devices[%r]["connection"] = "up"
sys.exit(rc)
""" % (sys.executable, site.client, mark, mark, SIMULATOR, IPS[2]))
    os.chmod(client, 0o755)
    tasks = profile_task(site, cluster.job_ids[0], IPS[0], cluster_ips=IPS)
    tasks += unlock_task(IPS, timeout=60, client=client)
    result = task(run(site, tasks), "Unlock")
    assert result.get("failed") is not True and result["device_state"] == "UNLOCKED", result
    assert len(site.client_invocations("unlock-cluster")) == 2
    assert set(site.device_states().values()) == {"UNLOCKED"}


@pytest.mark.parametrize("errors_to", ["stderr", "stdout"])
def test_a_device_still_booting_is_not_reachable_yet(site, errors_to):
    """Port 9091 is closed until the device has booted: "ready to be unlocked" "after about 10 minutes"
    (DG getting-started-connect.md). The client's stream for errors is undocumented: read both."""
    job_id = site.add_device(ip=IPS[0], connection="refused")
    result = task(run(site, profile_task(site, job_id, IPS[0]) + info_task(),
                      env={"SNOWBALL_SIM_ERRORS_TO": errors_to}), "Info")
    assert result["failed"] and "not reachable yet: a device answers about 10 minutes after power-on" in result["msg"]


def test_a_device_that_does_not_answer_is_not_on_the_network(site):
    job_id = site.add_device(ip=IPS[0], connection="unreachable")
    result = task(run(site, profile_task(site, job_id, IPS[0]) + unlock_task()), "Unlock")
    assert result["failed"] and "does not answer on port 9091" in result["msg"]
    assert "powered on" in result["msg"] and site.client_invocations("unlock-device") == []


# --- 3. one code and one manifest per cluster; the endpoint is always listed


def test_the_endpoint_is_added_to_the_cluster_ips(site):
    """unlock-cluster: "you provide the endpoint for one of your nodes, and all the IP addresses for the other
    devices" (DG using-client-commands.md); the stand-in unlocks only the IPs listed. One code and manifest for
    every node (DG how-it-works.md)."""
    cluster = site.add_cluster(IPS)
    tasks = profile_task(site, cluster.job_ids[0], IPS[0]) + unlock_task(IPS[1:])
    result = task(run(site, tasks), "Unlock")
    assert result.get("failed") is not True and result["device_state"] == "UNLOCKED", result
    assert [call["device_ips"] for call in site.client_invocations("unlock-cluster")] == [IPS]
    assert set(site.device_states().values()) == {"UNLOCKED"}


def test_duplicate_cluster_ips_are_refused_before_the_client_runs(site):
    cluster = site.add_cluster(IPS)
    tasks = profile_task(site, cluster.job_ids[0], IPS[0]) + unlock_task([IPS[0], IPS[1], IPS[1], IPS[2]])
    result = task(run(site, tasks), "Unlock")
    assert result["failed"] and "lists the device %s twice" % IPS[1] in result["msg"]
    assert [call for call in site.client_invocations() if call["command"] != "configure"] == []
    assert set(site.device_states().values()) == {"LOCKED"}


# --- 4. the client's home is Java's user.home, not $HOME


def test_home_differs_from_the_clients_java_home(site):
    """The client is Java: user.home is the last -Duser.home in JAVA_TOOL_OPTIONS, else the password database's
    home, never $HOME (JDK java_props_md.c, JDK-8280357). The harness sets JAVA_TOOL_OPTIONS to the site's
    private home; here $HOME is another directory: the profile must go where the client reads it."""
    job_id = site.add_device(ip=IPS[0])
    other = os.path.join(site.root, "shell-home")
    os.makedirs(other, mode=0o700)
    tasks = profile_task(site, job_id, IPS[0]) + info_task() + """
    - name: Names
      ansible.builtin.set_fact:
        names: "{{ lookup('fieldops.snowball.snowball_edge_profiles', wantlist=True) }}"
"""
    process = run(site, tasks, env={"HOME": other})
    profile = task(process, "Profile")
    assert profile.get("failed") is not True and profile["config_path"] == site.config_path(), profile
    assert "$HOME is %s" % other in warnings_of(process, "Profile")
    assert os.path.exists(site.config_path())
    assert not os.path.exists(os.path.join(other, ".aws"))
    info = task(process, "Info")
    assert info.get("failed") is not True and info["profile_found"] and info["device_state"] == "LOCKED", info
    assert task(process, "Names")["ansible_facts"]["names"] == ["dev"]


# --- 5. robust reading of the client


def wrapper(site, name, body):
    path = os.path.join(site.bin, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)
    return path


def test_json_is_taken_out_of_stdout_around_other_lines(site):
    """The client's stdout may carry more than the JSON (a notice); stderr carries the JVM's "Picked up
    JAVA_TOOL_OPTIONS" line on every run and is never a failure by itself."""
    job_id = site.add_device(ip=IPS[0])
    client = wrapper(site, "chatty", 'echo "Notice: a newer Snowball Edge client is available."\n'
                                     '"%s" "$@"\nrc=$?\necho "Done."\nexit $rc\n' % site.client)
    result = task(run(site, profile_task(site, job_id, IPS[0]) + unlock_task(client=client)), "Unlock")
    assert result.get("failed") is not True and result["device_state"] == "UNLOCKED", result


@pytest.mark.parametrize("stdout", ["", '{ "DeviceId" : "JID-EXAMPLE" }', '{ "UnlockStatus" : { "State" : "OPEN" } }'])
def test_exit_0_without_a_readable_state_is_a_failure(site, stdout):
    """UnlockStatus.State is required and one of LOCKED, UNLOCKING, UNLOCKED (API api_op_DescribeDevice.go,
    enums.go): anything else is not a state to report as success."""
    job_id = site.add_device(ip=IPS[0])
    client = wrapper(site, "mute", "printf '%%s\\n' '%s'\nexit 0\n" % stdout)
    result = task(run(site, profile_task(site, job_id, IPS[0]) + info_task(client=client)), "Info")
    assert result["failed"] and "exited 0 but printed no device state" in result["msg"], result


@pytest.mark.parametrize("errors_to", ["stderr", "stdout"])
def test_wrong_manifest_is_classified_on_the_error_name_on_either_stream(site, errors_to):
    """IncorrectDeviceManifestException (API types/errors.go): the manifest or code is not the device's job's."""
    job_id = site.add_device(ip=IPS[0])
    other_job = site.add_device(ip=IPS[1])
    tasks = profile_task(site, job_id, IPS[0], manifest_job=other_job) + unlock_task()
    result = task(run(site, tasks, env={"SNOWBALL_SIM_ERRORS_TO": errors_to}), "Unlock")
    assert result["failed"] and "refused the manifest or the unlock code" in result["msg"], result
    assert "IncorrectDeviceManifestException" in result["msg"]  # the client's own words follow the advice
    assert "Picked up JAVA_TOOL_OPTIONS" not in result["msg"]
    assert site.client_invocations("unlock-device") == []


# --- 7. AWS side: long-term pricing, export main jobs


AWS_TASKS = """
    - name: Manifest
      fieldops.snowball.snowball_manifest:
        job_id: %s
        dest: "{{ lookup('env', 'HOME') }}/manifest.bin"
    - name: Code
      fieldops.snowball.snowball_unlock_code:
        job_id: %s
        check_job_state: false
      register: code
"""


def test_long_term_pricing_job_past_360_days_is_asked_for(site):
    """JobMetadata.LongTermPricingId marks a long-term-pricing job (BOTO); whether AWS releases its credentials
    after 360 days is AWS's to say, so the collection asks instead of refusing first."""
    job_id = site.add_device(age_days=400, long_term_pricing=True)
    process = run(site, AWS_TASKS % (job_id, job_id))
    assert process.returncode == 0, process.stdout + process.stderr
    assert os.path.exists(os.path.join(site.home, "manifest.bin"))
    assert site.world.count("GetJobUnlockCode", job_id) == 1


def test_long_term_pricing_job_refused_by_aws_explains_the_360_day_rule(site):
    """BOTO GetJobManifest/GetJobUnlockCode: credentials "expire 360 days after the job is created"; DG
    updating-device.md: ask AWS Support for a certificate update, then use the new code and manifest."""
    job_id = site.add_device(age_days=400, long_term_pricing=True, credentials_expired=True)
    result = task(run(site, AWS_TASKS % (job_id, job_id)), "Manifest")
    assert result["failed"] and site.world.count("GetJobManifest", job_id) == 1
    assert "360 days after the job was created" in result["msg"] and "AWS Support" in result["msg"]
    assert "long-term pricing LTPID" in result["msg"]


def test_ordinary_job_past_360_days_is_refused_before_asking(site):
    job_id = site.add_device(age_days=400)
    result = task(run(site, AWS_TASKS % (job_id, job_id)), "Manifest")
    assert result["failed"] and "expired 360 days after creation" in result["msg"]
    assert site.world.count("GetJobManifest") == 0


def test_export_main_job_is_refused_with_the_ids_of_its_parts(site):
    """An export job's main job has no device of its own; DescribeJob lists its parts in SubJobMetadata
    (BOTO JobListEntry.IsMaster, DescribeJobResult.SubJobMetadata)."""
    main, parts = site.add_export_job(IPS[:2])
    process = run(site, AWS_TASKS % (main, main))
    manifest = task(process, "Manifest")
    assert manifest["failed"] and "export job's main job" in manifest["msg"]
    assert all(part in manifest["msg"] for part in parts) and manifest["job_parts"] == parts
    assert site.world.count("GetJobManifest") == 0 and site.world.manifest_downloads == []


def test_export_main_job_code_without_the_job_check_names_the_main_job(site):
    main, _parts = site.add_export_job(IPS[:2])
    tasks = """
    - name: Code
      fieldops.snowball.snowball_unlock_code:
        job_id: %s
        check_job_state: false
""" % main
    result = task(run(site, tasks), "Code")
    assert result["failed"] and "export job's main job" in result["msg"], result
