# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mistakes made at the device and corrected there: the corrected run must work, and a mistake the play can
know of beforehand is refused before AWS is called or the client runs. On the path the suite runs
(FIELDOPS_SNOWBALL_TEST_PATH)."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars


def test_a_corrected_endpoint_takes_effect_on_the_next_run(site):
    """The first run wrote the profile for a mistyped IP; the profile must not keep the role asking it."""
    job_id = site.add_device(ip="192.0.2.11")
    mistyped = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, ip="192.0.2.10")})
    assert mistyped.returncode != 0, mistyped.stdout[-2000:]
    corrected = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, ip="192.0.2.11")})
    assert corrected.returncode == 0, corrected.stdout[-3000:]
    assert "was written for https://192.0.2.10 instead of https://192.0.2.11" in corrected.stderr
    assert site.device_states()["192.0.2.11"] == "UNLOCKED"


@pytest.mark.parametrize("variables, message", [
    ({"snowball_unlock_cluster_ips": ["192.0.2.10 192.0.2.11"]}, "is not a device IP address"),
    ({"snowball_unlock_cluster_ips": ["192.0.2.11", "192.0.2.11"]}, "192.0.2.11 twice"),
    ({"snowball_unlock_client": "/nonexistent/bin/snowballEdge"}, "was not found or is not executable"),
    ({"snowball_unlock_timeout": 100000}, "at most 86400"),
], ids=["address with a space", "node twice", "no client", "timeout over a day"])
def test_role_refuses_what_it_can_know_is_wrong_before_any_call(site, variables, message):
    job_id = site.add_device()
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, **variables)})
    assert process.returncode != 0 and message in process.stdout, process.stdout[-3000:]
    assert site.world.calls == [] and site.client_invocations() == []


def test_a_cluster_node_left_out_of_cluster_ips_fails_at_once(site):
    """unlock-cluster goes only to the listed nodes (and the endpoint): waiting for another would end at the
    timeout, with advice to wait longer."""
    cluster = site.add_cluster(["192.0.2.10", "192.0.2.11", "192.0.2.12"])
    hosts = {"bench": device_vars(site, cluster.job_ids[0], snowball_unlock_cluster_ips=["192.0.2.11"],
                                  snowball_unlock_timeout=120)}
    process = site.playbook(ROLE_PLAY, hosts=hosts)
    assert process.returncode != 0, process.stdout[-3000:]
    assert "Cluster node 192.0.2.12 (%s) answers and is LOCKED, but is not in cluster_ips" % cluster.job_ids[2] \
        in process.stdout, process.stdout[-3000:]
    assert "Timed out" not in process.stdout
