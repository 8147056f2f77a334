# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many devices in one play, the way a user writes it: a loop over the jobs into
snowball_unlock_code, then loops over the registered ``codes.results`` into
snowball_edge_profile and snowball_edge_unlock, with and without
``loop_control.label``. Ansible builds each ``(item=...)`` label and the ``item``
of each result from the registered result, code included: no code may show at
any verbosity or in any callback, and a failure must still say what went wrong."""

from __future__ import annotations

import os

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import module_play

IPS = ("192.0.2.60", "192.0.2.61")
FAILURE = "does not exist: download it with fieldops.snowball.snowball_manifest"

LOOP_TASKS = """
    - name: Manifests
      fieldops.snowball.snowball_manifest:
        job_id: "{{{{ item }}}}"
        dest: "{home}/m/{{{{ item }}}}.bin"
      loop: "{{{{ jobs }}}}"
      register: manifests
    - name: Codes
      fieldops.snowball.snowball_unlock_code:
        job_id: "{{{{ item }}}}"
      loop: "{{{{ jobs }}}}"
      register: codes
    - name: Profiles, no label
      fieldops.snowball.snowball_edge_profile:
        name: "fieldops-{{{{ item.job_id }}}}"
        job_id: "{{{{ item.job_id }}}}"
        unlock_code: "{{{{ item.unlock_code }}}}"
        manifest_path: "{home}/m/{{{{ item.job_id }}}}.bin"
        endpoint: "{{{{ devices[item.job_id] }}}}"
      loop: "{{{{ codes.results }}}}"
    - name: Profiles, labelled, extended loop
      fieldops.snowball.snowball_edge_profile:
        name: "fieldops-{{{{ item.job_id }}}}"
        unlock_code: "{{{{ item.unlock_code }}}}"
        manifest_path: "{home}/m/{{{{ item.job_id }}}}.bin"
        endpoint: "{{{{ devices[item.job_id] }}}}"
      loop: "{{{{ codes.results }}}}"
      loop_control:
        label: "{{{{ item.job_id }}}}"
        extended: true
    - name: A failing profile, no label
      fieldops.snowball.snowball_edge_profile:
        name: "broken-{{{{ item.job_id }}}}"
        unlock_code: "{{{{ item.unlock_code }}}}"
        manifest_path: "{home}/nowhere/{{{{ item.job_id }}}}.bin"
        endpoint: "{{{{ devices[item.job_id] }}}}"
      loop: "{{{{ codes.results }}}}"
      ignore_errors: true
    - name: Unlock with the credentials, no label
      fieldops.snowball.snowball_edge_unlock:
        endpoint: "{{{{ devices[item.job_id] }}}}"
        manifest_path: "{home}/m/{{{{ item.job_id }}}}.bin"
        unlock_code: "{{{{ item.unlock_code }}}}"
        job_id: "{{{{ item.job_id }}}}"
        poll_interval: 0.05
      loop: "{{{{ codes.results }}}}"
    - name: Unlock with the profiles, labelled
      fieldops.snowball.snowball_edge_unlock:
        profile: "fieldops-{{{{ item.job_id }}}}"
      loop: "{{{{ codes.results }}}}"
      loop_control:
        label: "{{{{ item.job_id }}}}"
"""

# verbosity and stdout callback; the log, junit and log_plays are on in every run
VARIANTS = {
    "default": ([], {}),
    "-v": (["-v"], {}),
    "-vv": (["-vv"], {}),
    "-vvv": (["-vvv"], {}),
    "-vvvv": (["-vvvv"], {}),
    "json -vvvv": (["-vvvv"], {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}),
    "yaml result_format -vvvv": (["-vvvv"], {"ANSIBLE_CALLBACK_RESULT_FORMAT": "yaml"}),
}


def read_tree(directory):
    texts = {}
    for root, _dirs, names in os.walk(directory):
        for name in names:
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as handle:
                texts[os.path.relpath(os.path.join(root, name), directory)] = handle.read()
    return texts


def run_loops(site, args, env):
    jobs = [site.add_device(ip=ip) for ip in IPS]
    os.makedirs(os.path.join(site.home, "m"), mode=0o700)
    log, junit, plays = (os.path.join(site.root, name) for name in ("ansible.log", "junit", "log_plays"))
    play = module_play(site, LOOP_TASKS.format(home=site.home)).replace(
        "  tasks:", "  vars:\n    jobs: %s\n    devices: %s\n  tasks:" % (jobs, dict(zip(jobs, IPS))), 1)
    process = site.playbook(play, args=args, env=dict(
        env, ANSIBLE_LOG_PATH=log, JUNIT_OUTPUT_DIR=junit, ANSIBLE_LOG_FOLDER=plays,
        ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.junit,community.general.log_plays"))
    outputs = {"stdout": process.stdout, "stderr": process.stderr}
    with open(log, encoding="utf-8") as handle:
        outputs["ansible log"] = handle.read()
    outputs.update(("junit " + name, text) for name, text in read_tree(junit).items())
    outputs.update(("log_plays " + name, text) for name, text in read_tree(plays).items())
    return jobs, process, outputs


def leaks(site, jobs, outputs):
    codes = [site.world.jobs[job]["unlock_code"] for job in jobs]
    forms = {form for code in codes for form in (code, code.replace("-", ""), code.upper())}
    return sorted(place for place, text in outputs.items() if any(form in text for form in forms))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_loops_over_registered_codes_show_no_code(site, variant):
    args, env = VARIANTS[variant]
    jobs, process, outputs = run_loops(site, args, env)
    assert process.returncode == 0, process.stdout[-4000:] + process.stderr[-2000:]
    assert site.device_states() == dict.fromkeys(IPS, "UNLOCKED")
    assert any(place.startswith("junit ") for place in outputs) and any(place.startswith("log_plays ") for place in outputs)
    assert leaks(site, jobs, outputs) == []
    # the failure is readable: on screen, in the log and in each callback's file
    for place in ("stdout", "ansible log"):
        assert FAILURE in outputs[place], place
    for callback in ("junit ", "log_plays "):
        assert any(FAILURE in text for place, text in outputs.items() if place.startswith(callback)), callback
    if variant == "default":
        # the labels still say which device: the job id, the rest of the item with the code masked
        assert "(item=%s)" % jobs[0] in process.stdout
        assert "'job_id': '%s'" % jobs[0] in process.stdout and "********" in process.stdout


def test_a_loop_over_the_bare_codes_is_censored(site):
    """An item that is the code itself cannot be masked in place: the result is censored instead."""
    job_id = site.add_device(ip=IPS[0])
    os.makedirs(os.path.join(site.home, "m"), mode=0o700)
    tasks = """
    - name: Manifest
      fieldops.snowball.snowball_manifest:
        job_id: {job}
        dest: {home}/m/{job}.bin
    - name: Code
      fieldops.snowball.snowball_unlock_code:
        job_id: {job}
      register: code
    - name: Profile from the bare code
      fieldops.snowball.snowball_edge_profile:
        name: bench
        unlock_code: "{{{{ item }}}}"
        manifest_path: {home}/m/{job}.bin
        endpoint: {ip}
      loop: ["{{{{ code.unlock_code }}}}"]
""".format(job=job_id, home=site.home, ip=IPS[0])
    process = site.playbook(module_play(site, tasks), args=["-vvvv"])
    assert process.returncode == 0, process.stdout[-4000:]
    assert leaks(site, [job_id], {"stdout": process.stdout, "stderr": process.stderr}) == []
    assert "(item=(censored due to no_log))" in process.stdout
