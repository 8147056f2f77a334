# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A task the collection refuses (here ``async``, which ansible-core itself refuses for an action plugin that does
not support it) says why, and its ``(item=...)`` label and result keep the loop item's unlock code out of the
output and the Ansible log: the field engineer adds async to the long unlock loop over registered codes."""

from __future__ import annotations

import os

from ansible_collections.fieldops.snowball.tests.standins.harness import module_play

IPS = ("192.0.2.70", "192.0.2.71")

TASKS = """
    - name: Codes
      fieldops.snowball.snowball_unlock_code:
        job_id: "{{{{ item }}}}"
      loop: "{{{{ jobs }}}}"
      register: codes
    - name: Unlock in the background
      fieldops.snowball.snowball_edge_unlock:
        endpoint: "{{{{ devices[item.job_id] }}}}"
        manifest_path: "{home}/m/{{{{ item.job_id }}}}.bin"
        unlock_code: "{{{{ item.unlock_code }}}}"
      loop: "{{{{ codes.results }}}}"
      async: 900
      poll: 10
      ignore_errors: true
    - name: Profiles fire and forget
      fieldops.snowball.snowball_edge_profile:
        name: "fieldops-{{{{ item.job_id }}}}"
        unlock_code: "{{{{ item.unlock_code }}}}"
        manifest_path: "{home}/m/{{{{ item.job_id }}}}.bin"
        endpoint: "{{{{ devices[item.job_id] }}}}"
      loop: "{{{{ codes.results }}}}"
      async: 60
      poll: 0
      ignore_errors: true
"""


def test_async_over_registered_codes_is_refused_with_its_reason_and_prints_no_code(site):
    jobs = [site.add_device(ip=ip) for ip in IPS]
    log = os.path.join(site.root, "ansible.log")
    play = module_play(site, TASKS.format(home=site.home)).replace(
        "  tasks:", "  vars:\n    jobs: %s\n    devices: %s\n  tasks:" % (jobs, dict(zip(jobs, IPS))), 1)
    process = site.playbook(play, env=dict(ANSIBLE_LOG_PATH=log))
    with open(log, encoding="utf-8") as handle:
        outputs = {"stdout": process.stdout, "stderr": process.stderr, "log": handle.read()}
    codes = [site.world.jobs[job]["unlock_code"] for job in jobs]
    forms = {form for code in codes for form in (code, code.replace("-", ""), code.upper())}
    assert process.returncode == 0, process.stdout + process.stderr
    assert [place for place, text in outputs.items() if any(form in text for form in forms)] == []
    assert process.stdout.count("does not run with async") >= 4, process.stdout
    assert site.client_invocations("unlock-device") == []
