# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two ways an action plugin runs a module: in Ansible's worker process
when the task targets the controller, shipped as a module otherwise (or when
fieldops_snowball_in_process is false). Both must give the same results, and
neither may leave a file holding the unlock code under Ansible's temporary
directories, even with ANSIBLE_KEEP_REMOTE_FILES=1."""

from __future__ import annotations

import os
import re

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, Site, device_vars, module_play, regular_files, result_of

JSON = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}


def module_runs(site):
    """Files of AnsiballZ-wrapped module runs Ansible left under the site's home and temporary directories."""
    found = []
    for root in (site.home, site.tmp):
        for directory, _dirs, names in os.walk(root):
            found += [os.path.join(directory, name) for name in names if name.startswith("AnsiballZ_")]
    return found


def code_holders(site, code):
    holders = []
    for path in regular_files(site.home, site.tmp):
        if path != site.config_path():
            with open(path, "rb") as handle:
                if code.encode() in handle.read():
                    holders.append(path)
    return holders


def test_on_the_controller_no_module_is_shipped(site):
    """The role's tasks target the controller: every collection task runs in Ansible's worker."""
    job_id = site.add_device()
    hosts = {"bench": device_vars(site, job_id, fieldops_snowball_in_process=True)}
    result = site.playbook(ROLE_PLAY, hosts=hosts, env={"ANSIBLE_KEEP_REMOTE_FILES": "1"})
    assert result.returncode == 0, result.stdout
    assert module_runs(site) == []
    assert code_holders(site, site.world.jobs[job_id]["unlock_code"]) == []


def test_shipped_modules_never_leave_the_code_in_a_kept_file(site):
    """With the modules shipped and ANSIBLE_KEEP_REMOTE_FILES=1, arguments that carry the code are
    pipelined, so no kept file holds it; modules without a secret are kept as Ansible was told."""
    job_id = site.add_device()
    hosts = {"bench": device_vars(site, job_id, fieldops_snowball_in_process=False,
                                  snowball_unlock_keep_profile=False)}
    result = site.playbook(ROLE_PLAY, hosts=hosts, env={"ANSIBLE_KEEP_REMOTE_FILES": "1"})
    assert result.returncode == 0, result.stdout
    kept = [os.path.basename(path) for path in module_runs(site)]
    assert "AnsiballZ_snowball_manifest.py" in kept  # the modules really were shipped
    assert "AnsiballZ_snowball_edge_unlock.py" not in kept  # its arguments carry the code
    assert code_holders(site, site.world.jobs[job_id]["unlock_code"]) == []


TASKS = """
    - name: Info
      fieldops.snowball.snowball_job_info:
        job_id: {job}
    - name: Manifest
      fieldops.snowball.snowball_manifest:
        job_id: {job}
        dest: {home}/m/manifest.bin
    - name: Code
      fieldops.snowball.snowball_unlock_code:
        job_id: {job}
      register: code
    - name: Profile
      fieldops.snowball.snowball_edge_profile:
        name: bench
        job_id: {job}
        unlock_code: "{{{{ code.unlock_code }}}}"
        manifest_path: {home}/m/manifest.bin
        endpoint: 192.0.2.10
      diff: true
    - name: Info before
      fieldops.snowball.snowball_edge_device_info:
        profile: bench
    - name: Unlock
      fieldops.snowball.snowball_edge_unlock:
        profile: bench
        poll_interval: 0.05
    - name: Wrong job
      fieldops.snowball.snowball_unlock_code:
        job_id: JID00000000-0000-4000-8000-000000000000
      ignore_errors: true
"""
# The request id is new on every AWS answer (the stand-in sends one, as AWS does).
VARYING = ("elapsed", "invocation", "warnings", "deprecations", "checksum", "creation_date", "request_id")
_REQUEST_ID = re.compile(r"AWS request id: [0-9a-f-]{36}")
TASK_NAMES = ("Info", "Manifest", "Code", "Profile", "Info before", "Unlock", "Wrong job")


def normalised(value, site, job_id):
    """A result with what differs between two sites (paths, the random job and device ids) replaced."""
    if isinstance(value, dict):
        return {key: normalised(item, site, job_id) for key, item in value.items() if key not in VARYING}
    if isinstance(value, list):
        return [normalised(item, site, job_id) for item in value]
    if isinstance(value, str):
        device_id = site.device("192.0.2.10")["device_id"]
        value = _REQUEST_ID.sub("AWS request id: REQUEST", value)
        return value.replace(site.root, "SITE").replace(site.tmp, "TMP").replace(job_id, "JOB").replace(device_id, "DEVICE")
    return value


def test_both_paths_give_the_same_results(tmp_path_factory):
    results = {}
    for in_process in (True, False):
        site = Site(tmp_path_factory.mktemp("path"))
        try:
            job_id = site.add_device(unlock_delay=0.1)
            process = site.playbook(module_play(site, TASKS.format(job=job_id, home=site.home)), env=JSON,
                                    args=["--diff"], hosts={"localhost": {"fieldops_snowball_in_process": in_process}})
            assert process.returncode == 0, process.stdout[-3000:]
            results[in_process] = {task: normalised(result_of(process, task)["localhost"], site, job_id)
                                   for task in TASK_NAMES}
        finally:
            site.close()
    assert results[True] == results[False]
    assert results[True]["Code"]["_ansible_no_log"] is True  # censored on both paths
    assert results[True]["Wrong job"]["failed"] is True and "was not found" in results[True]["Wrong job"]["msg"]


def test_a_secret_option_given_by_its_alias_is_pipelined_too(site):
    """aws_secret_key is an alias of secret_key (no_log): a shipped module gets it on its standard input, so
    no kept AnsiballZ file holds it, whatever name the task used."""
    from ansible_collections.fieldops.snowball.tests.standins.snowball_api import SECRET_KEY
    job_id = site.add_device()
    tasks = """
    - name: Info with the secret key under an alias
      fieldops.snowball.snowball_job_info:
        job_id: %s
        aws_secret_key: %s
""" % (job_id, SECRET_KEY)
    result = site.playbook(module_play(site, tasks), env={"ANSIBLE_KEEP_REMOTE_FILES": "1"},
                           hosts={"localhost": {"fieldops_snowball_in_process": False}})
    assert result.returncode == 0, result.stdout
    assert code_holders(site, SECRET_KEY) == []
