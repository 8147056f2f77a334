# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snowball_edge_credentials: which devices it asks and how it names their profiles, a notice before the client's
answer to each command it runs, nothing written until every node is read, and main() against the simulated
client."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import ProfileStore
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.modules import snowball_edge_credentials as module
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import IP
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import KEY
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import SECRET
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import FakeDevice


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


# A notice the client prints before its answer, JSON of its own (as a version check might).
NOTICE = '{"Notice": "A newer Snowball Edge client is available"}\n'


def task_params(**given):
    base = {"aws_profile": "bench-aws", "access_key_id": None, "ca_bundle_dest": None}
    base.update(given)
    return base


@pytest.mark.parametrize("command", ["describe-device", "list-access-keys", "get-secret-access-key",
                                     "list-certificates", "get-certificate"])
def test_a_notice_before_the_answer_of_each_command_is_skipped(fake_task, home, pem, command):
    device = FakeDevice(pem)

    def noticing(args):
        rc, out, err = device(args)
        return rc, (NOTICE + out) if args[0] == command else out, err

    task = fake_task(noticing, home, **task_params())
    result = module.run(task)
    assert result["changed"] is True and result["access_key_id"] == KEY and result["device_ip"] == IP
    assert "aws_secret_access_key = %s\n" % SECRET in (home / ".aws" / "credentials").read_text()
    assert task.secrets == [SECRET] and SECRET not in json.dumps(result)


def test_a_locked_node_fails_the_task_before_any_profile_is_written(fake_task, home, pem):
    unlocked, locked = FakeDevice(pem, ip="192.0.2.21"), FakeDevice(pem, ip="192.0.2.22", state="LOCKED")
    endpoints = []

    def cluster(args):
        return (locked if endpoints[-1] == "https://192.0.2.22" else unlocked)(args)

    task = fake_task(cluster, home, **task_params(aws_profile="rack", cluster_ips=["192.0.2.21", "192.0.2.22"]))
    ProfileStore(task.params["config_path"]).put("bench", {"defaultEndpoint": "https://192.0.2.21"})
    task.endpoints = endpoints
    with pytest.raises(SnowballError, match="Cluster node 192.0.2.22 \\(profile rack-192.0.2.22\\): The device is "
                                            "LOCKED, not UNLOCKED") as error:
        module.run(task)
    assert error.value.facts == {"device_state": "LOCKED", "device_ip": "192.0.2.22", "aws_profile": "rack-192.0.2.22"}
    assert endpoints == ["https://192.0.2.21"] * 6 + ["https://192.0.2.22"]  # describe, 2 keys, 2 certificates, services
    assert not (home / ".aws" / "credentials").exists() and not (home / ".aws" / "config").exists()
    assert not [name for name in os.listdir(os.path.dirname(task.params["config_path"])) if name.endswith(".pem")]


def test_check_mode_reads_the_device_and_writes_nothing(fake_task, home, pem):
    result = module.run(fake_task(FakeDevice(pem), home, check_mode=True, **task_params()))
    assert result["changed"] is True and not (home / ".aws").exists()


# An AWS profile of the chosen name that this collection did not write: a typo'd or shared name must never
# replace it (an IAM user's secret access key is shown once by AWS, never again).
USER_KEYS = "[work]\naws_access_key_id = AKIAWORKUSER00000001\naws_secret_access_key = work-user-secret\n"
DEVICE_CONFIG = "[profile work]\nregion = snow\nca_bundle = /ca.pem\nservices = work-snowball\n"


@pytest.mark.parametrize("credentials,config,named", [
    (USER_KEYS, "[profile work]\nregion = eu-west-1\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n",
     "\\[work\\] in .*credentials and \\[profile work\\] in .*config exist"),
    (USER_KEYS, "", "\\[work\\] in .*credentials exists, but .*config has no \\[profile work\\] with region = snow"),
    ("", "[profile work]\nregion = us-east-1\n", "\\[profile work\\] in .*config exists"),
    ("", "[services work-snowball]\ns3 =\n  endpoint_url = https://s3.example\n", "\\[services work-snowball\\]"),
    (USER_KEYS + "aws_session_token = token\n", DEVICE_CONFIG, "\\[work\\] in .*credentials also holds "
                                                               "aws_session_token"),
    (USER_KEYS, DEVICE_CONFIG + "source_profile = default\n", "\\[profile work\\] in .*config also holds "
                                                              "source_profile"),
], ids=["an IAM user's keys and role", "keys alone", "settings alone", "a services section alone",
        "a session token beside a device profile", "a source profile in a device profile"])
def test_an_aws_profile_this_collection_did_not_write_is_refused_before_the_device_is_asked(
        fake_task, home, pem, credentials, config, named):
    aws = home / ".aws"
    aws.mkdir(mode=0o700)
    (aws / "credentials").write_text(credentials)
    (aws / "config").write_text(config)
    asked = []

    def device(args):
        asked.append(args[0])
        return FakeDevice(pem)(args)

    with pytest.raises(SnowballError, match="The AWS profile work already exists and is not one this collection "
                                            "wrote: %s.*nothing was written. Choose another profile name" % named):
        module.run(fake_task(device, home, **task_params(aws_profile="work")))
    assert asked == []
    assert (aws / "credentials").read_text() == credentials and (aws / "config").read_text() == config
    assert sorted(os.listdir(aws)) == ["config", "credentials"]


def test_a_profile_this_collection_wrote_is_rewritten_also_with_an_output_setting(fake_task, home, pem):
    module.run(fake_task(FakeDevice(pem), home, **task_params(aws_profile="work")))
    config = home / ".aws" / "config"
    config.write_text(config.read_text().replace("services = work-snowball\n", "services = work-snowball\noutput = json\n"))
    credentials = home / ".aws" / "credentials"
    credentials.write_text(credentials.read_text().replace(SECRET, "an-older-device-secret"))
    result = module.run(fake_task(FakeDevice(pem), home, **task_params(aws_profile="work")))
    assert result["changed"] is True and "aws_secret_access_key = %s\n" % SECRET in credentials.read_text()
    assert "output = json" in config.read_text()
