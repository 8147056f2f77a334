# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules in real ansible-playbook runs: censoring, retries, check mode,
idempotence, and documentation that renders with working examples."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.fieldops.snowball.tests.standins.harness import Site, module_play, result_of

MODULES = ["snowball_job_info", "snowball_manifest", "snowball_unlock_code", "snowball_edge_profile",
           "snowball_edge_device_info", "snowball_edge_unlock"]


JOB_INFO_TASK = """
    - name: Info
      fieldops.snowball.snowball_job_info:
        job_id: %s
"""


def test_code_is_censored_without_no_log_at_vvvv_and_still_usable(site):
    job_id = site.add_device()
    log = os.path.join(site.root, "ansible.log")
    tasks = """
    - name: Fetch the code, no no_log on the task
      fieldops.snowball.snowball_unlock_code:
        job_id: %s
      register: code
    - name: The registered variable still holds the code
      ansible.builtin.assert:
        that: code.unlock_code | length == 29
        quiet: true
""" % job_id
    result = site.playbook(module_play(site, tasks), args=["-vvvv"], env={"ANSIBLE_LOG_PATH": log})
    assert result.returncode == 0, result.stdout + result.stderr
    code = site.world.jobs[job_id]["unlock_code"]
    with open(log, encoding="utf-8") as handle:
        logged = handle.read()
    assert "Fetch the code" in logged
    for text in (result.stdout, result.stderr, logged):
        assert code not in text and code.replace("-", "") not in text
    assert "the output has been hidden" in result.stdout


def test_failure_is_not_censored(site):
    job_id = site.add_device(state="Complete")
    tasks = """
    - name: Fetch the code of a returned device
      fieldops.snowball.snowball_unlock_code:
        job_id: %s
""" % job_id
    result = site.playbook(module_play(site, tasks))
    assert result.returncode != 0 and "the job is complete" in result.stdout


def test_manifest_check_mode_then_idempotent(site):
    job_id = site.add_device()
    tasks = """
    - name: Manifest
      fieldops.snowball.snowball_manifest:
        job_id: %s
        dest: "{{ lookup('env', 'HOME') }}/%s.bin"
""" % (job_id, job_id)
    checked = site.playbook(module_play(site, tasks), args=["--check"], env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    assert result_of(checked, "Manifest")["localhost"]["changed"] is True
    assert not os.path.exists(os.path.join(site.home, job_id + ".bin"))
    runs = [site.playbook(module_play(site, tasks), env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}) for _attempt in range(2)]
    assert [result_of(run, "Manifest")["localhost"]["changed"] for run in runs] == [True, False]
    assert len(site.world.manifest_downloads) == 1


def test_throttling_then_success(site):
    job_id = site.add_device()
    site.world.faults.throttle_next = 3
    tasks = JOB_INFO_TASK % job_id
    result = site.playbook(module_play(site, tasks))
    assert result.returncode == 0, result.stdout
    assert site.world.count("DescribeJob") == 4


def test_server_error_storm_fails_cleanly(site):
    job_id = site.add_device()
    site.world.faults.server_error_next = 1000
    tasks = JOB_INFO_TASK % job_id
    result = site.playbook(module_play(site, tasks), args=["-vvv"])
    assert result.returncode != 0
    assert "The Snowball API kept failing on DescribeJob (InternalFailure, HTTP 500)" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert site.world.count("DescribeJob") == 4  # AWSRetry's four tries, no more


def test_unreachable_api_says_so(site):
    job_id = site.add_device()
    site.stop()
    tasks = JOB_INFO_TASK % job_id
    result = site.playbook(module_play(site, tasks))
    assert result.returncode != 0 and "Could not reach the Snowball API" in result.stdout


def test_access_denied_names_the_permission(site):
    job_id = site.add_device()
    tasks = JOB_INFO_TASK % job_id
    result = site.playbook(module_play(site, tasks), env={"AWS_SECRET_ACCESS_KEY": "not-the-key"})
    assert result.returncode != 0 and "snowball:DescribeJob" in result.stdout and "not-the-key" not in result.stdout


def test_profile_module_diff_masks_the_code_and_is_idempotent(site):
    code = "abcde-12345-ABCDE-fghij-67890"
    tasks = """
    - name: Profile
      fieldops.snowball.snowball_edge_profile:
        name: bench
        unlock_code: %s
        manifest_path: %s
        endpoint: 192.0.2.10
""" % (code, site.manifest_file(site.add_device()))
    first = site.playbook(module_play(site, tasks), args=["--diff"])
    assert first.returncode == 0 and "changed: [localhost]" in first.stdout
    assert '"unlockCode": "********"' in first.stdout and code not in first.stdout
    second = site.playbook(module_play(site, tasks), args=["--diff"])
    assert second.returncode == 0 and "changed=0" in second.stdout


def test_corrupt_client_config_is_refused_and_kept(site):
    os.makedirs(os.path.dirname(site.config_path()), mode=0o700)
    with open(site.config_path(), "w", encoding="utf-8") as handle:
        handle.write('{"version": 1, "profiles": {"opshub": ')
    tasks = """
    - name: Profile
      fieldops.snowball.snowball_edge_profile:
        name: bench
        unlock_code: abcde-12345-ABCDE-fghij-67890
        manifest_path: %s
        endpoint: 192.0.2.10
""" % site.manifest_file(site.add_device())
    result = site.playbook(module_play(site, tasks))
    assert result.returncode != 0 and "is not valid JSON" in result.stdout and "left untouched" in result.stdout
    with open(site.config_path(), encoding="utf-8") as handle:
        assert handle.read() == '{"version": 1, "profiles": {"opshub": '


def test_unlock_with_explicit_credentials_uses_a_transient_profile(site):
    job_id = site.add_device()
    manifest = site.manifest_file(job_id)
    tasks = """
    - name: Unlock
      fieldops.snowball.snowball_edge_unlock:
        endpoint: https://192.0.2.10
        manifest_path: %s
        unlock_code: %s
        poll_interval: 0.1
""" % (manifest, site.world.jobs[job_id]["unlock_code"])
    result = site.playbook(module_play(site, tasks))
    assert result.returncode == 0, result.stdout
    assert site.device_states() == {"192.0.2.10": "UNLOCKED"}
    # the transient profile lived in a private temporary client home: the client's own config is untouched
    assert not os.path.exists(site.config_path())
    assert [name for name in os.listdir(site.tmp) if name.startswith("fieldops-snowball-")] == []


@pytest.mark.parametrize("module", MODULES)
def test_docs_render_and_examples_parse(site, module):
    bindir = os.path.dirname(sys.executable)
    doc = subprocess.run([os.path.join(bindir, "ansible-doc"), "fieldops.snowball." + module], env=site.env(),
                         capture_output=True, text=True, check=True)
    assert "EXAMPLES" in doc.stdout and "RETURN VALUES" in doc.stdout
    metadata = json.loads(subprocess.run([os.path.join(bindir, "ansible-doc"), "--json", "fieldops.snowball." + module],
                                         env=site.env(), capture_output=True, text=True, check=True).stdout)
    examples = yaml.safe_load(metadata["fieldops.snowball." + module]["examples"])
    assert any(("fieldops.snowball." + module) in task for task in examples)
    playbook = os.path.join(site.root, "examples.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        yaml.safe_dump([{"name": "Examples", "hosts": "localhost", "gather_facts": False, "tasks": examples}], handle)
    check = subprocess.run([os.path.join(bindir, "ansible-playbook"), "--syntax-check", "-i", "localhost,", playbook],
                           env=site.env(), capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def test_unlock_refuses_a_profile_name_together_with_credentials(site):
    """One module, one job: a profile to keep is written by snowball_edge_profile."""
    job_id = site.add_device()
    tasks = """
    - name: Unlock
      fieldops.snowball.snowball_edge_unlock:
        profile: bench
        endpoint: 192.0.2.10
        manifest_path: %s
        unlock_code: %s
""" % (site.manifest_file(job_id), site.world.jobs[job_id]["unlock_code"])
    result = site.playbook(module_play(site, tasks))
    assert result.returncode != 0 and "mutually exclusive: profile|endpoint" in result.stdout, result.stdout
    assert site.client_invocations() == [] and not os.path.exists(site.config_path())


def test_a_site_deep_in_the_file_system_still_runs_playbooks(tmp_path):
    """ansible-core 2.21 starts an RPC server on a Unix socket under TMPDIR: the harness keeps TMPDIR short
    wherever the site lives, or every playbook of a test with a long name fails before its first task."""
    site = Site(tmp_path.joinpath(*["a-site-at-the-end-of-a-long-path"] * 4))
    try:
        job_id = site.add_device()
        result = site.playbook(module_play(site, JOB_INFO_TASK % job_id))
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        site.close()
