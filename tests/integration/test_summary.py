# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The end of a run: one line per device of the play, in inventory order, failed ones included with their reason
and what to do; the run still fails for a failed device. On the path the suite runs (FIELDOPS_SNOWBALL_TEST_PATH)."""

from __future__ import annotations

import json
import re

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars


def summary(output):
    """The summary task's list of lines (the default callback prints the debug msg as JSON)."""
    match = re.search(r"TASK \[[^\]]*Summary of every device in the play\] \*+\nok: \[[^\]]+\] => (\{.*?\n\})\n",
                      output, re.S)
    assert match, output[-3000:]
    return json.loads(match.group(1))["msg"]


def recap(output, host):
    return re.search(r"^%s\s+: (.*)$" % host, output, re.M).group(1)


def test_every_device_gets_a_line_in_inventory_order_failed_ones_with_reason_and_next_step(site):
    hosts = {}
    for name, ip, options in (("zulu", "192.0.2.10", {}), ("alpha", "192.0.2.11", {"state": "Complete"}),
                              ("mike", "192.0.2.12", {"device_state": "UNLOCKED"})):
        hosts[name] = device_vars(site, site.add_device(ip=ip, **options), ip=ip)
    process = site.playbook(ROLE_PLAY, hosts=hosts, args=["--forks", "3"])
    assert process.returncode != 0
    lines = summary(process.stdout)
    assert [line.split(":", 1)[0] for line in lines] == ["zulu", "alpha", "mike"]
    assert lines[0] == "zulu: Job %s: device https://192.0.2.10 is UNLOCKED." % hosts["zulu"]["snowball_unlock_job_id"]
    assert lines[1].startswith("alpha: Job %s: FAILED at \"Verify the job and download its manifest\": "
                               % hosts["alpha"]["snowball_unlock_job_id"]), lines[1]
    assert "Complete" in lines[1]
    assert lines[2].endswith("device https://192.0.2.12 is UNLOCKED.")
    assert "failed=1" in recap(process.stdout, "alpha")
    assert "failed=0" in recap(process.stdout, "zulu") and "failed=0" in recap(process.stdout, "mike")


def test_the_summary_is_printed_when_every_device_failed(site):
    hosts = {name: device_vars(site, site.add_device(ip=ip), ip=ip, snowball_unlock_client="/nonexistent/snowballEdge")
             for name, ip in (("one", "192.0.2.10"), ("two", "192.0.2.11"))}
    process = site.playbook(ROLE_PLAY, hosts=hosts)
    assert process.returncode != 0
    lines = summary(process.stdout)
    assert len(lines) == 2 and all("was not found or is not executable" in line for line in lines), lines
