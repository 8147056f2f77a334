# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the code rests after a task that went wrong: a vault request that
cannot be honoured writes nothing, a vault file of another secret is never
replaced, and snowball_unlock_keep_profile false leaves no profile holding the
code after a failed or timed-out unlock, with ``changed`` telling the truth.
Each runs on both paths (in the worker, shipped module)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import ENTRY_PLAY, ROLE_PLAY, device_vars, module_play
from ansible_collections.fieldops.snowball.tests.standins.harness import regular_files, result_of
from ansible_collections.fieldops.snowball.tests.standins.snowball_edge_sim import write_devices
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import TRANSIENT_PREFIX

PATHS = pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "shipped"])


def path_args(in_process):
    return ["-e", "fieldops_snowball_in_process=%s" % in_process]


def vault_password(site, name, password):
    path = os.path.join(site.root, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(password)
    return path


def files_holding(site, code):
    found = []
    for path in regular_files(site.home, site.tmp):
        with open(path, "rb") as handle:
            if code.encode() in handle.read():
                found.append(path)
    return sorted(found)


@PATHS
@pytest.mark.parametrize("typo", ["ture", "yes please", "2"])
def test_a_vault_option_that_is_not_a_boolean_writes_nothing(site, in_process, typo):
    job_id = site.add_device()
    dest = os.path.join(site.home, "codes", job_id + ".vault")
    tasks = """
    - name: Keep the code, vault with a typo
      fieldops.snowball.snowball_unlock_code:
        job_id: %s
        dest: %s
        vault: "%s"
""" % (job_id, dest, typo)
    process = site.playbook(module_play(site, tasks), args=path_args(in_process) + [
        "--vault-password-file", vault_password(site, "pass", "first secret")])
    assert process.returncode != 0, process.stdout[-3000:]
    assert "vault" in process.stdout and "boolean" in process.stdout, process.stdout[-3000:]
    assert not os.path.exists(dest) and not os.path.exists(os.path.dirname(dest))
    assert site.world.calls == []
    assert files_holding(site, site.world.jobs[job_id]["unlock_code"]) == []


@PATHS
def test_a_prefetch_with_another_vault_secret_keeps_the_first_file(site, in_process):
    job_id = site.add_device(unlock_delay=0.2)
    hosts = {"bench": device_vars(site, job_id)}
    first = vault_password(site, "first", "the office's secret")
    second = vault_password(site, "second", "another secret")
    process = site.playbook(ENTRY_PLAY % "prefetch", hosts=hosts, args=path_args(in_process) + ["--vault-password-file", first])
    assert process.returncode == 0, process.stdout[-3000:]
    vault_file = os.path.join(site.home, ".snowball", "codes", job_id + ".vault")
    with open(vault_file, "rb") as handle:
        written = handle.read()
    site.world.reset_calls()
    process = site.playbook(ENTRY_PLAY % "prefetch", hosts=hosts, args=path_args(in_process) + ["--vault-password-file", second])
    assert process.returncode != 0
    assert "is encrypted with another vault secret" in process.stdout and "remove the file" in process.stdout
    assert not [call for call in site.world.calls if call["operation"] == "GetJobUnlockCode"]
    with open(vault_file, "rb") as handle:
        assert handle.read() == written
    # the first secret still opens it, offline
    site.stop()
    process = site.playbook(ENTRY_PLAY % "unlock", hosts=hosts, args=path_args(in_process) + ["--vault-password-file", first])
    assert process.returncode == 0, process.stdout[-3000:]
    assert site.device_states() == {"192.0.2.10": "UNLOCKED"}


UNLOCK_TASK = "fieldops.snowball.snowball_unlock : Unlock the device and wait until it reports UNLOCKED"


@PATHS
@pytest.mark.parametrize("failure", ["timeout", "wrong code"])
def test_keep_profile_false_leaves_no_profile_after_a_failed_unlock_and_says_changed(site, in_process, failure):
    if failure == "timeout":
        job_id = site.add_device(unlock_delay=3600)
        extra = {"snowball_unlock_timeout": 1}
    else:
        job_id = site.add_device()
        site.devices[0]["unlock_code"] = "zzzzz-zzzzz-zzzzz-zzzzz-zzzzz"
        write_devices(site.sim_state, site.devices)
        extra = {}
    hosts = {"bench": device_vars(site, job_id, snowball_unlock_keep_profile=False, **extra)}
    process = site.playbook(ROLE_PLAY, hosts=hosts, args=path_args(in_process),
                            env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    assert process.returncode != 0
    result = result_of(process, UNLOCK_TASK)["bench"]
    # changed says whether the device was asked to unlock: it was before the timeout; a wrong code is
    # refused by the first describe-device, and the transient profile is no change that lasts
    unlocked = failure == "timeout"
    assert result["failed"] and result["changed"] is unlocked, result
    assert ("Timed out" if unlocked else "refused the manifest or the unlock code") in result["msg"]
    assert bool(site.client_invocations("unlock-device")) is unlocked
    code = site.world.jobs[job_id]["unlock_code"]
    assert files_holding(site, code) == []
    assert not os.path.exists(site.config_path())
    assert not [name for name in os.listdir(site.tmp) if name.startswith(TRANSIENT_PREFIX)]
