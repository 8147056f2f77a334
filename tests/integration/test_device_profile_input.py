# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device's own AWS profile name is checked before any AWS or client call: a name the credentials step would
refuse, and one name given to several stand-alone devices (each would overwrite the others' profile)."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars


@pytest.mark.parametrize("name, expected", [
    ("default", "snowball_unlock_device_aws_profile 'default' would replace the credentials"),
    ("--x", "snowball_unlock_device_aws_profile '--x' is not usable"),
])
def test_a_device_profile_name_the_credentials_step_refuses_stops_the_role_before_any_call(site, name, expected):
    job_id = site.add_device()
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)},
                            args=["-e", "snowball_unlock_device_aws_profile=" + name])
    assert process.returncode != 0 and expected in process.stdout, process.stdout[-3000:]
    assert site.world.calls == [] and site.client_invocations() == []


def test_one_device_profile_for_several_stand_alone_devices_stops_the_role_before_any_call(site):
    hosts = {"bench%d" % n: device_vars(site, site.add_device(ip="192.0.2.%d" % n), ip="192.0.2.%d" % n)
             for n in (21, 22)}
    process = site.playbook(ROLE_PLAY, hosts=hosts, args=["-e", "snowball_unlock_device_aws_profile=shared"])
    assert process.returncode != 0, process.stdout[-3000:]
    assert "bench21 and bench22 of this play share device AWS profile shared" in process.stdout, process.stdout[-3000:]
    assert site.world.calls == [] and site.client_invocations() == []


def test_one_name_per_device_passes_the_check(site):
    hosts = {"bench%d" % n: device_vars(site, site.add_device(ip="192.0.2.%d" % n), ip="192.0.2.%d" % n,
                                        snowball_unlock_device_aws_profile="snowball-bench%d" % n) for n in (23, 24)}
    process = site.playbook(ROLE_PLAY, hosts=hosts)
    assert process.returncode == 0, process.stdout[-3000:]


def test_the_role_refuses_an_ansible_core_older_than_2_19_before_any_call(site):
    job_id = site.add_device()
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)},
                            args=["-e", "_snowball_unlock_ansible_core_version=2.18.19"])
    assert process.returncode != 0, process.stdout[-3000:]
    assert "fieldops.snowball needs ansible-core 2.19 or later (this is 2.18.19)" in process.stdout, process.stdout[-3000:]
    assert site.world.calls == [] and site.client_invocations() == []
