# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the client and the AWS side without a device (issue 12). Sources as cited in tests/standins/snowball_edge_sim.py:
"DG" the Snowball Edge developer guide, "API" the on-device API's generated Go client (aws/eks-anywhere,
internal/aws-sdk-go-v2/service/snowballdevice), "BOTO" botocore's snowball model."""

from __future__ import annotations

import os
import pwd

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _edge
from ansible_collections.fieldops.snowball.plugins.module_utils import _profiles
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError

# DG using-client-commands.md, "Getting Device Status": Jackson's pretty printer, as the client prints it.
DESCRIBED = """{
  "DeviceId" : "JID-EXAMPLE12345-123-456-7-890",
  "UnlockStatus" : {
    "State" : "UNLOCKED"
  },
  "ActiveNetworkInterface" : {
    "IpAddress" : "192.0.2.0"
  },
  "PhysicalNetworkInterfaces" : [ {
    "PhysicalNetworkInterfaceId" : "s.ni-EXAMPLEd9ecbf03e3",
    "PhysicalConnectorType" : "RJ45"
  } ]
}"""


@pytest.mark.parametrize("out", [DESCRIBED, "Notice: {not json}\n" + DESCRIBED + "\nDone.\n",
                                 "Picked up JAVA_TOOL_OPTIONS: -Duser.home=/x\n" + DESCRIBED,
                                 # a notice that holds JSON of its own comes first
                                 'Update available: {"latest": "1.2.1"}\n' + DESCRIBED])
def test_json_object_is_taken_out_of_stdout(out):
    device = _edge._device(_edge._parse_json(out, "describe-device", "UnlockStatus"), "describe-device", out, "")
    assert device == {"id": "JID-EXAMPLE12345-123-456-7-890", "ip": "192.0.2.0", "state": "UNLOCKED",
                      "reachability": "REACHABLE", "association": None}


@pytest.mark.parametrize("out", ["", "Your Snowball Edge device is unlocking.", "[ ]", '{ "DeviceId" : "x" }',
                                 '{ "UnlockStatus" : { "State" : "OPEN" } }', '{ "UnlockStatus" : null }'])
def test_exit_0_without_a_documented_state_is_a_failure(out):
    """UnlockStatus.State is required, LOCKED | UNLOCKING | UNLOCKED (API api_op_DescribeDevice.go, enums.go)."""
    with pytest.raises(SnowballError, match="exited 0 but printed no device state"):
        _edge._device(_edge._parse_json(out, "describe-device", "UnlockStatus"), "describe-device", out, "")


def test_cluster_member_reachability_and_association_are_read():
    """describe-cluster's Devices carry NetworkReachability and ClusterAssociation (API types.go Device)."""
    raw = {"DeviceId": "JID1", "UnlockStatus": {"State": "LOCKED"}, "ActiveNetworkInterface": {"IpAddress": "192.0.2.3"},
           "ClusterAssociation": {"State": "ASSOCIATED", "ClusterId": "CID1"},
           "NetworkReachability": {"State": "UNREACHABLE"}}
    device = _edge._device(raw, "describe-cluster", "", "")
    assert (device["reachability"], device["association"]) == ("UNREACHABLE", "ASSOCIATED")
    assert _edge.awaited([device], ["192.0.2.3"]) == "192.0.2.3 (JID1) LOCKED, UNREACHABLE, ASSOCIATED"
    assert "not in cluster_ips" in _edge.awaited([device], ["192.0.2.4"])


SERVICE = "%s (Service: AWSSnowballDevice; Status Code: 400; Error Code: %s; Request ID: 1; Proxy: null)"


@pytest.mark.parametrize("text,expected", [
    (SERVICE % ("The manifest file is not valid for the device at 192.0.2.10.", "IncorrectDeviceManifestException"),
     "refused the manifest or the unlock code"),
    (SERVICE % ("The device is LOCKED.", "IncorrectDeviceStateException"), "not in the state this command needs"),
    (SERVICE % ("Not a cluster.", "UnsupportedOperationException"), "leave cluster_ips empty"),
    ("Unable to execute HTTP request: Connect to 192.0.2.10:9091 [/192.0.2.10] failed: Connection refused "
     "(Connection refused)", "not reachable yet: a device answers about 10 minutes after power-on"),
    ("Unable to execute HTTP request: Connect to 192.0.2.10:9091 [/192.0.2.10] failed: connect timed out",
     "does not answer on port 9091"),
])
@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_failures_are_classified_on_documented_names_on_either_stream(text, expected, stream):
    """Error names: API types/errors.go; connection errors: the Java HTTP client's; the stream is undocumented."""
    out, err = (text, "Picked up JAVA_TOOL_OPTIONS: -Duser.home=/h") if stream == "stdout" else ("", text)
    message = _edge.explain_client_failure("unlock-device", 1, out, err)
    assert expected in message and text in message and "Picked up" not in message


@pytest.mark.parametrize("text", ["Manifest file not found or not readable: /tmp/m.bin",
                                  "The unlock code was not accepted", "Could not connect the dots"])
def test_phrases_alone_are_not_classified(text):
    """The old reading guessed from "manifest", "unlock code", "connect"; the client's wording is undocumented."""
    assert "See the client's message." in _edge.explain_client_failure("describe-device", 1, "", text)


def test_endpoint_is_added_to_cluster_ips_once_and_duplicates_are_refused():
    """DG using-client-commands.md: the endpoint of one node, and all the IP addresses of the others."""
    assert _edge.unlock_ips("https://192.0.2.1", ["192.0.2.2", "192.0.2.3"]) == ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
    assert _edge.unlock_ips("https://192.0.2.1", ["192.0.2.2", "192.0.2.1"]) == ["192.0.2.2", "192.0.2.1"]
    assert _edge.unlock_ips("https://[2001:db8::1]", ["2001:db8:0::1"]) == ["2001:db8:0::1"]
    with pytest.raises(SnowballError, match="lists the device 192.0.2.2 twice"):
        _edge.check_device_ips(["192.0.2.2", "192.0.2.2"])


# --- the client's home: Java's user.home (JDK java_props_md.c; JDK-8280357), not $HOME


def test_java_home_is_the_last_user_home_in_java_tool_options():
    environ = {"HOME": "/shell", "JAVA_TOOL_OPTIONS": "-Xmx1g -Duser.home=/first '-Duser.home=/with space' -Dx=1"}
    assert _profiles.java_user_home(environ) == "/with space"
    assert _profiles.default_config_path(environ) == "/with space/.aws/snowball/config/snowball-edge.config"


def test_java_home_without_options_is_the_password_databases_not_home():
    environ = {"HOME": "/somewhere/else"}
    assert _profiles.java_user_home(environ) == pwd.getpwuid(os.getuid()).pw_dir
    warning = _profiles.home_warning(environ)
    assert "$HOME is /somewhere/else" in warning and pwd.getpwuid(os.getuid()).pw_dir in warning


def test_no_warning_when_home_is_the_java_home(tmp_path):
    assert _profiles.home_warning({"HOME": str(tmp_path), "JAVA_TOOL_OPTIONS": "-Duser.home=%s" % tmp_path}) is None


@pytest.mark.parametrize("home,option", [("/h", "-Duser.home=/h"), ("/a b", '"-Duser.home=/a b"'),
                                         ('/a "b"', "'-Duser.home=/a \"b\"'")])
def test_java_option_survives_hotspots_splitting(home, option):
    assert _profiles.java_option("user.home", home) == option
    assert _profiles.split_java_options("-Xmx1g " + option) == ["-Xmx1g", "-Duser.home=" + home]
