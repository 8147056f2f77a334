# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snowball_edge_credentials' own logic (the core has its tests in module_utils/test_aws_profile.py):
which devices it asks and how it names their profiles, through main() against the simulated client."""

from __future__ import annotations

import os

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.modules import snowball_edge_credentials as module


def params(**given):
    base = {"aws_profile": "rack", "cluster_ips": None, "endpoint": None}
    base.update(given)
    return base


def test_a_cluster_gets_one_profile_per_node_named_after_its_ip():
    nodes = module.targets(params(cluster_ips=["192.0.2.10", "[2001:db8::10]"]))
    assert nodes == [("rack-192.0.2.10", "192.0.2.10", "https://192.0.2.10"),
                     ("rack-2001-db8--10", "2001:db8::10", "https://[2001:db8::10]")]


@pytest.mark.parametrize("ips,message", [
    (["192.0.2.10", "192.0.2.10"], "192.0.2.10 twice"),
    (["snowball-1.example.net"], "not an IP address"),
    (["192.0.2.10;id"], "not a device IP address"),
])
def test_bad_cluster_ips_are_refused(ips, message):
    with pytest.raises(SnowballError, match=message):
        module.targets(params(cluster_ips=ips))


def test_a_single_device_is_asked_at_the_profile_or_endpoint_given():
    assert module.targets(params(endpoint="https://192.0.2.10")) == [("rack", "192.0.2.10", None)]
    # a host name: the IP describe-device reports is the one the certificate names
    assert module.targets(params(endpoint="snowball-1.example.net")) == [("rack", None, None)]
    with pytest.raises(SnowballError, match="is not usable"):
        module.targets(params(aws_profile="rack]"))


def test_main_writes_each_node_and_returns_no_secret(site, run_module):
    cluster = site.add_cluster(["192.0.2.21", "192.0.2.22"], device_state="UNLOCKED")
    result = run_module(module, {
        "aws_profile": "rack", "endpoint": cluster.ips[0], "cluster_ips": cluster.ips,
        "manifest_path": site.manifest_file(cluster.job_ids[0]),
        "unlock_code": site.world.jobs[cluster.job_ids[0]]["unlock_code"], "_ansible_diff": True})
    assert result["changed"] is True and [entry["aws_profile"] for entry in result["profiles"]] == \
        ["rack-192.0.2.21", "rack-192.0.2.22"]
    assert len(result["diff"]) == 2 * 3  # per node: CA bundle, credentials, config
    with open(os.path.join(site.home, ".aws", "credentials"), encoding="utf-8") as handle:
        credentials = handle.read()
    for ip in cluster.ips:
        (key_id, secret), = site.access_keys(ip).items()
        assert "aws_access_key_id = %s\naws_secret_access_key = %s\n" % (key_id, secret) in credentials
        assert secret not in str(result)
    # one run per command and node, each at the node's own address
    calls = site.client_invocations("list-access-keys")
    assert sorted(call["endpoint"] for call in calls) == ["https://192.0.2.21", "https://192.0.2.22"]
