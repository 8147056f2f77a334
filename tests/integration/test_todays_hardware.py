# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jobs for today's devices (V3_5C and V3_5S, with remote management reported by the job) in real
ansible-playbook runs against the stand-ins, and a job AWS is already working on told apart by its type:
importing for an import job, exporting for an export job (developer guide jobstatuses.md)."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import module_play, result_of

JSON_OUTPUT = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}


@pytest.mark.parametrize("device_type", ["V3_5C", "V3_5S"])
def test_job_info_reports_the_device_type_and_remote_management(site, device_type):
    job_id = site.add_device(device_type=device_type, remote_management="INSTALLED_AUTOSTART")
    tasks = """
    - name: Info
      fieldops.snowball.snowball_job_info:
        job_id: %s
""" % job_id
    process = site.playbook(module_play(site, tasks), env=JSON_OUTPUT)
    assert process.returncode == 0, process.stdout[-3000:]
    job, = result_of(process, "Info")["localhost"]["jobs"]
    assert (job["snowball_type"], job["remote_management"]) == (device_type, "INSTALLED_AUTOSTART"), job


@pytest.mark.parametrize("job_type, doing", [
    ("IMPORT", "importing"),
    ("EXPORT", "exporting"),
])
def test_a_job_in_progress_at_aws_says_what_aws_is_doing(site, job_type, doing):
    job_id = site.add_device(state="InProgress", job_type=job_type)
    tasks = """
    - name: Fetch the code of a job AWS is working on
      fieldops.snowball.snowball_unlock_code:
        job_id: %s
""" % job_id
    process = site.playbook(module_play(site, tasks))
    assert process.returncode != 0 and "InProgress" in process.stdout
    assert doing in process.stdout
