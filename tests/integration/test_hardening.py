# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field mistakes and hostile surroundings in real ansible-playbook runs, on the path the suite runs
(FIELDOPS_SNOWBALL_TEST_PATH): another user's directory keeps its mode, a broken credential never replaces a
working profile, a download that is not a manifest is refused and a refused manifest is replaced, bad waiting
times are refused before any call, malformed API answers are explained, a killed write's temporary copy is
removed, the download stays on its host, addresses, names and the config file are checked before any call, and
check mode writes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars, module_play, result_of

IP = "192.0.2.10"
PROFILE_TASK = "Write the Snowball Edge client profile (the one snowballEdge configure writes)"
JSON_OUT = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}


def snapshot(root):
    """Every file and directory under ``root``: {path: (mode, sha256 of the content or None)}."""
    seen = {}
    for directory, names, files in os.walk(root):
        seen[directory] = (os.lstat(directory).st_mode, None)
        for name in names + files:
            path = os.path.join(directory, name)
            status = os.lstat(path)
            digest = None
            if stat.S_ISREG(status.st_mode):
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            seen[path] = (status.st_mode, digest)
    return seen


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def profile_task(site, job_id, config_path=None, state="present", name="bench", **overrides):
    args = {"name": name, "state": state}
    if state == "present":
        args.update(job_id=job_id, unlock_code=site.world.jobs[job_id]["unlock_code"],
                    manifest_path=site.manifest_file(job_id), endpoint=IP)
    if config_path:
        args["config_path"] = config_path
    args.update(overrides)
    return """
    - name: Profile
      fieldops.snowball.snowball_edge_profile: %s
""" % json.dumps(args)


def run_tasks(site, tasks, args=()):
    return site.playbook(module_play(site, tasks), args=list(args), env=JSON_OUT)


def task_result(process, name="Profile"):
    return result_of(process, name)["localhost"]


def working_profile(site):
    """A device with a working profile in the default config file; returns (job id, config path)."""
    job_id = site.add_device()
    process = run_tasks(site, profile_task(site, job_id))
    assert process.returncode == 0, process.stdout[-2000:]
    return job_id, site.config_path()


# --- 3: someone else's directory keeps its mode

@pytest.mark.parametrize("state", ["present", "absent"])
def test_world_writable_parent_is_refused_and_untouched(site, state):
    job_id = site.add_device()
    shared = os.path.join(site.root, "shared-tmp")
    os.mkdir(shared)
    os.chmod(shared, 0o1777)
    config = os.path.join(shared, "snowball-edge.config")
    process = run_tasks(site, profile_task(site, job_id, config_path=config, state=state))
    result = task_result(process)
    assert result.get("failed") and "world-writable" in result["msg"], result
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o1777
    assert os.listdir(shared) == []


def test_shared_parent_keeps_its_mode_present_then_absent(site):
    job_id = site.add_device()
    team = os.path.join(site.root, "team-share")
    os.mkdir(team)
    os.chmod(team, 0o755)
    config = os.path.join(team, "snowball-edge.config")
    process = run_tasks(site, profile_task(site, job_id, config_path=config))
    assert task_result(process)["changed"] is True, process.stdout[-2000:]
    assert mode_of(team) == 0o755 and mode_of(config) == 0o600
    # absent for a profile the file does not hold: nothing changes, not even the directory
    before = snapshot(team)
    process = run_tasks(site, profile_task(site, job_id, config_path=config, state="absent", name="other"))
    assert task_result(process)["changed"] is False
    assert snapshot(team) == before
    process = run_tasks(site, profile_task(site, job_id, config_path=config, state="absent"))
    assert task_result(process)["changed"] is True
    assert mode_of(team) == 0o755


# --- 5: a broken credential never replaces a working profile, and nothing runs

BAD_CREDENTIALS = {
    "empty code": {"unlock_code": ""},
    "malformed code": {"unlock_code": "not-an-unlock-code"},
    "code with a newline": {"unlock_code": "abcde-abcde-abcde-abcde-abcde\n"},
    "missing manifest": {"manifest_path": "/nonexistent/manifest.bin"},
}


@pytest.mark.parametrize("case", sorted(BAD_CREDENTIALS))
def test_profile_module_keeps_a_working_profile(site, case):
    job_id, config = working_profile(site)
    before = snapshot(os.path.dirname(config))
    process = run_tasks(site, profile_task(site, job_id, **BAD_CREDENTIALS[case]))
    result = task_result(process)
    assert result.get("failed") and "Nothing was written" in result["msg"], result
    assert snapshot(os.path.dirname(config)) == before


@pytest.mark.parametrize("case", sorted(BAD_CREDENTIALS))
def test_unlock_module_refuses_broken_credentials_before_running_the_client(site, case):
    job_id, config = working_profile(site)
    before = read(config)
    args = dict(endpoint=IP, job_id=job_id, unlock_code=site.world.jobs[job_id]["unlock_code"],
                manifest_path=site.manifest_file(job_id), poll_interval=0.1)
    args.update(BAD_CREDENTIALS[case])
    process = run_tasks(site, """
    - name: Unlock
      fieldops.snowball.snowball_edge_unlock: %s
""" % json.dumps(args))
    result = task_result(process, "Unlock")
    assert result.get("failed") and "Nothing was written" in result["msg"], result
    assert site.client_invocations() == []
    assert read(config) == before and site.device_states()[IP] == "LOCKED"


def test_role_with_an_empty_code_keeps_the_working_profile(site):
    """As with --step answered "no" at the code task: the role's default('') gives an empty code and manifest
    path. (--start-at-task skips those tasks without a terminal.)"""
    job_id = site.add_device()
    first = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)})
    assert first.returncode == 0, first.stdout[-2000:]
    site.set_device(IP, state="LOCKED")  # a power cut: the device asks to be unlocked again
    config = site.config_path()
    before = snapshot(os.path.dirname(config))
    calls = len(site.world.calls)
    invocations = len(site.client_invocations())
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)},
                            args=["--start-at-task", PROFILE_TASK, "-e", "_snowball_unlock_endpoint=https://" + IP])
    assert process.returncode != 0 and "unlock_code is not an unlock code" in process.stdout, process.stdout[-2000:]
    assert snapshot(os.path.dirname(config)) == before
    assert len(site.world.calls) == calls and len(site.client_invocations()) == invocations
    assert site.device_states()[IP] == "LOCKED"


# --- 8: a download that is not a manifest; a manifest the device refuses

def test_role_refuses_a_captive_portal_page_then_recovers(site):
    job_id = site.add_device()
    site.world.faults.manifest_fault_next = ["captive_portal"]
    manifest = os.path.join(site.home, ".snowball", "manifests", job_id + "_manifest.bin")
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)})
    assert process.returncode != 0 and "is not a manifest" in process.stdout, process.stdout[-2000:]
    assert not os.path.exists(manifest) and not os.path.exists(site.config_path())
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)})
    assert process.returncode == 0, process.stdout[-2000:]
    assert read(manifest) == site.world.jobs[job_id]["manifest"] and site.device_states()[IP] == "UNLOCKED"


def test_role_replaces_a_manifest_the_device_refuses(site):
    job_id = site.add_device()
    other = site.add_device(ip="192.0.2.11")
    manifest = os.path.join(site.home, ".snowball", "manifests", job_id + "_manifest.bin")
    first = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)})
    assert first.returncode == 0, first.stdout[-2000:]
    site.set_device(IP, state="LOCKED")
    with open(manifest, "wb") as handle:  # a damaged or mixed-up file: another job's manifest
        handle.write(site.world.jobs[other]["manifest"])
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)})
    assert process.returncode == 0, process.stdout[-3000:]
    assert read(manifest) == site.world.jobs[job_id]["manifest"] and site.device_states()[IP] == "UNLOCKED"


def test_unlock_module_names_the_manifest_the_device_refuses(site):
    job_id, _config = working_profile(site)
    other = site.add_device(ip="192.0.2.11")
    manifest = site.manifest_file(job_id)
    with open(manifest, "wb") as handle:
        handle.write(site.world.jobs[other]["manifest"])
    process = run_tasks(site, """
    - name: Unlock
      fieldops.snowball.snowball_edge_unlock: {profile: bench, poll_interval: 0.1}
""")
    result = task_result(process, "Unlock")
    assert result.get("failed") and "The manifest used is %s: remove it" % manifest in result["msg"], result
    assert result["manifest_rejected"] is True


# --- 9: waiting times

@pytest.mark.parametrize("option, value", [("timeout", 0), ("timeout", -5), ("poll_interval", 0),
                                           ("poll_interval", -1), ("poll_interval", "nan"), ("poll_interval", "inf")])
def test_unlock_module_refuses_bad_waiting_times_before_any_call(site, option, value):
    working_profile(site)
    process = run_tasks(site, """
    - name: Unlock
      fieldops.snowball.snowball_edge_unlock: {profile: bench, %s: %s}
""" % (option, json.dumps(value)))
    result = task_result(process, "Unlock")
    assert result.get("failed") and "must be a number of seconds above 0" in result["msg"], result
    assert site.client_invocations() == []


@pytest.mark.parametrize("variables", [{"snowball_unlock_timeout": 0}, {"snowball_unlock_timeout": -1},
                                       {"snowball_unlock_poll_interval": 0}, {"snowball_unlock_poll_interval": "nan"},
                                       {"snowball_unlock_poll_interval": -0.5}])
def test_role_refuses_bad_waiting_times_before_any_call(site, variables):
    job_id = site.add_device()
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, **variables)})
    assert process.returncode != 0 and "must be a positive number of seconds" in process.stdout, process.stdout[-2000:]
    assert site.world.calls == [] and site.client_invocations() == []


# --- 10: malformed API answers

def test_unlock_code_that_is_not_a_string_is_explained(site):
    job_id = site.add_device()
    site.world.faults.operations = {"GetJobUnlockCode"}
    site.world.faults.malformed_next = [b'{"UnlockCode": 12345}']
    process = run_tasks(site, """
    - name: Code
      fieldops.snowball.snowball_unlock_code: {job_id: %s}
""" % job_id)
    result = task_result(process, "Code")
    assert result.get("failed") and "without a usable UnlockCode" in result["msg"], result
    assert "Traceback" not in process.stdout and "KeyError" not in process.stdout


def test_truncated_describe_job_answer_is_explained(site):
    job_id = site.add_device()
    site.world.faults.operations = {"DescribeJob"}
    site.world.faults.malformed_next = [b'{"JobMetadata": {"JobId": "%s", "JobSt' % job_id.encode()]
    process = run_tasks(site, """
    - name: Code
      fieldops.snowball.snowball_unlock_code: {job_id: %s}
""" % job_id)
    result = task_result(process, "Code")
    assert result.get("failed") and "without a usable JobMetadata" in result["msg"], result
    assert site.world.count("GetJobUnlockCode") == 0


# --- 11: a killed write's temporary copy

def test_stale_temporary_config_copies_are_removed_on_the_next_write(site):
    job_id, config = working_profile(site)
    directory = os.path.dirname(config)
    stale = os.path.join(directory, ".snowball-edge.config.k1ll3d_x")
    unrelated = os.path.join(directory, ".snowball-edge.config.bak")  # not the collection's naming: kept
    for path in (stale, unrelated):
        with open(path, "wb") as handle:
            handle.write(read(config))
        os.chmod(path, 0o600)
    process = run_tasks(site, profile_task(site, job_id, name="second"))
    assert task_result(process)["changed"] is True, process.stdout[-2000:]
    assert not os.path.exists(stale) and os.path.exists(unrelated)


# --- 12: the download stays on its host

def test_redirect_to_another_host_is_refused(site):
    job_id = site.add_device()
    site.world.faults.manifest_fault_next = ["redirect_elsewhere"]
    dest = os.path.join(site.home, "m", job_id + ".bin")
    process = run_tasks(site, """
    - name: Manifest
      fieldops.snowball.snowball_manifest: {job_id: %s, dest: %s}
""" % (job_id, dest))
    result = task_result(process, "Manifest")
    assert result.get("failed") and "redirected to another host" in result["msg"], result
    assert not os.path.exists(dest) and site.world.manifest_downloads == [job_id]


def test_file_uri_is_refused(site):
    job_id = site.add_device()
    private = os.path.join(site.root, "private.bin")
    with open(private, "wb") as handle:
        handle.write(b"\x00private" * 100)
    site.world.faults.manifest_uri = "file://" + private
    dest = os.path.join(site.home, "m", job_id + ".bin")
    process = run_tasks(site, """
    - name: Manifest
      fieldops.snowball.snowball_manifest: {job_id: %s, dest: %s}
""" % (job_id, dest))
    result = task_result(process, "Manifest")
    assert result.get("failed") and "not an https URL (file:)" in result["msg"], result
    assert not os.path.exists(dest)


# --- 13: addresses, names, the config file, error messages

def test_role_tightens_a_readable_config_on_a_rerun_against_an_unlocked_device(site):
    job_id = site.add_device()
    first = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)})
    assert first.returncode == 0, first.stdout[-2000:]
    os.chmod(site.config_path(), 0o644)
    calls = len(site.world.calls)
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)})
    assert process.returncode == 0, process.stdout[-2000:]
    assert mode_of(site.config_path()) == 0o600
    assert len(site.world.calls) == calls  # still no AWS call on a re-run


@pytest.mark.parametrize("overrides, message", [
    ({"cluster_ips": [IP, "192.0.2.11", IP]}, "lists the device 192.0.2.10 twice"),
    ({"cluster_ips": [IP, "999.999.999.999"]}, "is not a device IP address"),
    ({"cluster_ips": [IP, "[:::]"]}, "is not a device IP address"),
    ({"endpoint": "999.999.999.999"}, "is not a device address"),
    ({"endpoint": "[:::]"}, "is not a device address"),
])
def test_bad_addresses_are_refused(site, overrides, message):
    job_id = site.add_device()
    process = run_tasks(site, profile_task(site, job_id, **overrides))
    result = task_result(process)
    assert result.get("failed") and message in result["msg"], result
    assert not os.path.exists(site.config_path())


def test_profile_named_like_an_option_never_reaches_the_client(site):
    job_id, _config = working_profile(site)
    process = run_tasks(site, """
    - name: Info
      fieldops.snowball.snowball_edge_device_info: {profile: --unlock-code}
      ignore_errors: true
    - name: Unlock
      fieldops.snowball.snowball_edge_unlock: {profile: --unlock-code}
""" + profile_task(site, job_id, name="--unlock-code"))
    for task in ("Info", "Unlock"):
        result = task_result(process, task)
        assert result.get("failed") and "is not usable" in result["msg"], result
    assert site.client_invocations() == []


def test_role_with_a_profile_named_like_an_option_stops_before_any_call(site):
    job_id = site.add_device()
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, snowball_unlock_profile="--unlock-code")})
    assert process.returncode != 0 and "is not usable" in process.stdout, process.stdout[-2000:]
    # the pre-flight's `snowballEdge version` takes no profile and contacts no device
    assert site.world.calls == [] and site.client_invocations() == site.client_invocations("version")


def test_role_with_a_symlinked_config_stops_before_any_call(site):
    job_id = site.add_device()
    elsewhere = os.path.join(site.root, "elsewhere.config")
    with open(elsewhere, "w", encoding="utf-8") as handle:
        handle.write('{"version": 1, "profiles": {}}\n')
    os.makedirs(os.path.dirname(site.config_path()), mode=0o700)
    os.symlink(elsewhere, site.config_path())
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)})
    assert process.returncode != 0 and "is a symbolic link" in process.stdout, process.stdout[-2000:]
    assert site.world.calls == [] and site.client_invocations() == site.client_invocations("version")
    assert read(elsewhere) == b'{"version": 1, "profiles": {}}\n'


def test_os_errors_name_the_path_they_concern(site):
    job_id = site.add_device()
    blocker = os.path.join(site.root, "not-a-directory")
    with open(blocker, "w", encoding="utf-8") as handle:
        handle.write("a file where a directory should be\n")
    config = os.path.join(blocker, ".aws", "snowball", "config", "snowball-edge.config")
    process = run_tasks(site, profile_task(site, job_id, config_path=config))
    result = task_result(process)
    assert result.get("failed") and "%s is not a directory" % blocker in result["msg"], result


# --- 14: check mode writes nothing

def test_check_mode_changes_no_file_or_mode(site):
    job_id, config = working_profile(site)
    manifest = site.manifest_file(job_id)
    os.chmod(config, 0o644)  # a mode a real run would tighten
    os.chmod(manifest, 0o644)
    code = site.world.jobs[job_id]["unlock_code"]
    before = snapshot(site.home)
    tmp_before = sorted(os.listdir(site.tmp))
    process = run_tasks(site, """
    - name: Transient unlock
      fieldops.snowball.snowball_edge_unlock: {endpoint: %s, unlock_code: %s, manifest_path: %s, job_id: %s}
    - name: Info
      fieldops.snowball.snowball_edge_device_info: {profile: bench}
    - name: Profile
      fieldops.snowball.snowball_edge_profile: {name: other, unlock_code: %s, manifest_path: %s, endpoint: %s}
""" % (IP, code, manifest, job_id, code, manifest, IP), args=["--check"])
    assert process.returncode == 0, process.stdout[-2000:]
    assert task_result(process, "Transient unlock")["changed"] is True
    assert snapshot(site.home) == before
    assert [name for name in sorted(os.listdir(site.tmp)) if name not in tmp_before
            and not name.startswith("ansible")] == []
    assert site.device_states()[IP] == "LOCKED"
    assert site.client_invocations("unlock-device") == []
