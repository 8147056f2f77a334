# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A device that reboots or loses power comes back LOCKED (tests/standins/device_services.py cites why); running
the role again brings it back: from the saved profile with no AWS call, or with keep_profile false with the two
AWS calls a fresh code takes. The device's clock is moved by placing the cut in the past, never by
waiting."""

from __future__ import annotations

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars

IP = "192.0.2.10"


def unlocked_then_cut(site, **host_vars):
    job_id = site.add_device()
    hosts = {"bench": device_vars(site, job_id, **host_vars)}
    first = site.playbook(ROLE_PLAY, hosts=hosts)
    assert first.returncode == 0, first.stdout + first.stderr
    assert site.device_states() == {IP: "UNLOCKED"}
    site.power_cycle(IP, after=-20, down_seconds=10)  # the cut came and went while nobody looked
    site.world.reset_calls()
    return job_id, hosts


def test_after_a_power_cut_the_role_unlocks_again_from_the_saved_profile_with_no_aws_call(site):
    _job_id, hosts = unlocked_then_cut(site)
    again = site.playbook(ROLE_PLAY, hosts=hosts)
    assert again.returncode == 0, again.stdout + again.stderr
    assert site.device_states() == {IP: "UNLOCKED"}
    assert site.world.count() == 0 and site.world.manifest_downloads == []
    assert len(site.client_invocations("unlock-device")) == 2


def test_after_a_power_cut_without_a_kept_profile_the_role_fetches_the_code_again(site):
    _job_id, hosts = unlocked_then_cut(site, snowball_unlock_keep_profile=False)
    again = site.playbook(ROLE_PLAY, hosts=hosts)
    assert again.returncode == 0, again.stdout + again.stderr
    assert site.device_states() == {IP: "UNLOCKED"}
    # the job's state and its code; the manifest kept beside the client config still opens with that code
    assert site.world.count() == 2 and site.world.count("GetJobUnlockCode") == 1
    assert len(site.client_invocations("unlock-device")) == 2


def test_a_certificate_that_runs_out_within_30_days_is_warned_about_once_unlocked(site):
    job_id = site.add_device(certificate_days=12)
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)})
    assert process.returncode == 0, process.stdout + process.stderr
    said = " ".join((process.stdout + process.stderr).split())
    assert "The certificate of the device expires on" in said and ("in 11 days" in said or "in 12 days" in said)
    assert "Updating your device" in said


def test_a_certificate_with_months_left_is_not_warned_about(site):
    job_id = site.add_device(certificate_days=200)
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)})
    assert process.returncode == 0, process.stdout + process.stderr
    assert "The certificate of the device" not in process.stdout + process.stderr
    assert site.client_invocations("describe-device-software")  # it was asked
