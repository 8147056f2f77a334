# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A shipped module that does not run as one (here an interpreter that echoes its standard input, the piped
arguments) fails with raw output: module_stdout and the rest are masked, as the other fields are, in every
callback and in the Ansible log. Shipped path only: in the worker no module process runs."""

from __future__ import annotations

import os

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import module_play

TASK = """
    - name: Unlock with an interpreter that echoes its input
      fieldops.snowball.snowball_edge_unlock:
        endpoint: 192.0.2.10
        manifest_path: {manifest}
        unlock_code: "{code}"
      vars:
        ansible_python_interpreter: /usr/bin/cat
        fieldops_snowball_in_process: false
      ignore_errors: true
"""


@pytest.mark.parametrize("args, callback", [([], None), (["-vvvv"], "ansible.posix.json")], ids=["default", "json"])
def test_an_echoing_interpreters_raw_output_keeps_the_code_masked(site, args, callback):
    job_id = site.add_device()
    code = site.world.jobs[job_id]["unlock_code"]
    log = os.path.join(site.root, "ansible.log")
    play = module_play(site, TASK.format(manifest=site.manifest_file(job_id), code=code))
    process = site.playbook(play, args=args, env=dict(ANSIBLE_LOG_PATH=log, ANSIBLE_STDOUT_CALLBACK=callback))
    with open(log, encoding="utf-8") as handle:
        outputs = {"stdout": process.stdout, "stderr": process.stderr, "log": handle.read()}
    assert process.returncode == 0, process.stdout[-3000:]
    assert "module_stdout" in process.stdout or "MODULE FAILURE" in process.stdout, process.stdout[-3000:]
    forms = (code, code.replace("-", ""), code.upper())
    assert [place for place, text in outputs.items() if any(form in text for form in forms)] == []
