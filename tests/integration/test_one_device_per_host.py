# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each host of the play is one device: a job id copied onto a second host, a client profile name set for a
whole group, or one endpoint given to two hosts would make a device unlock (or write a profile for) another one
and report success. The role refuses them before any AWS or client call."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars


def two_devices(site):
    jobs = {n: site.add_device(ip="192.0.2.%d" % n) for n in (31, 32)}
    return {"dev%d" % n: device_vars(site, jobs[n], ip="192.0.2.%d" % n) for n in (31, 32)}, jobs


@pytest.mark.parametrize("shared", ["job id", "client profile", "endpoint"])
def test_two_hosts_claiming_one_device_stop_the_role_before_any_call(site, shared):
    hosts, jobs = two_devices(site)
    if shared == "job id":
        hosts["dev31"]["snowball_unlock_job_id"] = jobs[32]
    elif shared == "client profile":
        for host_vars in hosts.values():
            host_vars["snowball_unlock_profile"] = "site"
    else:
        hosts["dev31"]["snowball_unlock_endpoint"] = "192.0.2.32"
    process = site.playbook(ROLE_PLAY, hosts=hosts)
    assert process.returncode != 0, process.stdout[-3000:]
    message = next(line for line in process.stdout.splitlines() if "dev31 and dev32 of this play share" in line)
    assert shared + " " in message.partition(" of this play share ")[2], message
    assert site.world.calls == [] and site.client_invocations() == []
    assert site.device_states() == {"192.0.2.31": "LOCKED", "192.0.2.32": "LOCKED"}


def test_two_devices_each_with_its_own_job_endpoint_and_profile_are_both_unlocked(site):
    hosts, _jobs = two_devices(site)
    process = site.playbook(ROLE_PLAY, hosts=hosts)
    assert process.returncode == 0, process.stdout[-3000:]
    assert site.device_states() == {"192.0.2.31": "UNLOCKED", "192.0.2.32": "UNLOCKED"}
