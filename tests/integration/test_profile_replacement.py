# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A saved client profile that works is replaced only by one that has worked: a typo in the endpoint on a re-run
leaves the saved profile as it was, and a device that really moved gets its profile rewritten once it unlocked
at the new address."""

from __future__ import annotations

import json

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars


def saved_profile(site, name):
    with open(site.config_path(), encoding="utf-8") as handle:
        return json.load(handle)["profiles"][name]


def test_a_typo_in_the_endpoint_keeps_the_working_profile(site):
    job_id = site.add_device(ip="192.0.2.10")
    name = "fieldops-" + job_id
    first = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, ip="192.0.2.10")})
    assert first.returncode == 0, first.stdout[-3000:]
    working = saved_profile(site, name)
    site.set_device("192.0.2.10", state="LOCKED")  # a power cut
    typo = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, ip="192.0.2.11",
                                                                snowball_unlock_timeout=2)})
    assert typo.returncode != 0, typo.stdout[-3000:]
    assert saved_profile(site, name) == working
    again = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, ip="192.0.2.10")})
    assert again.returncode == 0 and site.device("192.0.2.10")["state"] == "UNLOCKED", again.stdout[-3000:]


def test_a_device_that_moved_gets_its_profile_rewritten_once_it_unlocked_there(site):
    job_id = site.add_device(ip="192.0.2.10")
    name = "fieldops-" + job_id
    first = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, ip="192.0.2.10")})
    assert first.returncode == 0, first.stdout[-3000:]
    site._add_device("192.0.2.12", site.world.jobs[job_id])  # pylint: disable=protected-access
    moved = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, ip="192.0.2.12")})
    assert moved.returncode == 0, moved.stdout[-3000:]
    assert site.device("192.0.2.12")["state"] == "UNLOCKED"
    assert "192.0.2.12" in saved_profile(site, name)["defaultEndpoint"]
