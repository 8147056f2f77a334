# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client layer: its JSON answer past any notice, describe-* parsing, and the one failure table. Sources as
cited in tests/standins/snowball_edge_sim.py: "DG" the Snowball Edge developer guide, "API" the on-device API's
generated Go client (aws/eks-anywhere, internal/aws-sdk-go-v2/service/snowballdevice)."""

from __future__ import annotations

import fcntl
import time

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _client
from ansible_collections.fieldops.snowball.plugins.module_utils import _client_config
from ansible_collections.fieldops.snowball.plugins.module_utils import _process
from ansible_collections.fieldops.snowball.plugins.module_utils import _run_board
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import RunBoard
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import IP
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import SECRET
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import jackson


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
    device = _client.parse_device(_client.json_answer(out, "UnlockStatus"), "describe-device", out, "")
    assert device == {"id": "JID-EXAMPLE12345-123-456-7-890", "ip": "192.0.2.0", "state": "UNLOCKED",
                      "reachability": "REACHABLE", "association": None}


@pytest.mark.parametrize("out", ["", "Your Snowball Edge device is unlocking.", "[ ]", '{ "DeviceId" : "x" }',
                                 '{ "UnlockStatus" : { "State" : "OPEN" } }', '{ "UnlockStatus" : null }'])
def test_exit_0_without_a_documented_state_is_a_failure(out):
    """UnlockStatus.State is required, LOCKED | UNLOCKING | UNLOCKED (API api_op_DescribeDevice.go, enums.go)."""
    with pytest.raises(SnowballError, match="exited 0 but printed no device state"):
        _client.parse_device(_client.json_answer(out, "UnlockStatus"), "describe-device", out, "")


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
    message = _client.explain_client_failure("unlock-device", 1, out, err)
    assert expected in message and text in message and "Picked up" not in message


@pytest.mark.parametrize("text", ["Manifest file not found or not readable: /tmp/m.bin",
                                  "The unlock code was not accepted", "Could not connect the dots"])
def test_phrases_alone_are_not_classified(text):
    """The old reading guessed from "manifest", "unlock code", "connect"; the client's wording is undocumented."""
    assert "See the client's message." in _client.explain_client_failure("describe-device", 1, "", text)


def test_client_failures_say_what_to_do_and_never_echo_a_secret():
    message = _client.explain_client_failure(
        "get-secret-access-key", 1, "aws_secret_access_key = %s\n" % SECRET,
        "Picked up JAVA_TOOL_OPTIONS: -Duser.home=/x\nError Code: IncorrectDeviceStateException")
    assert "not unlocked: unlock it first" in message and "IncorrectDeviceStateException" in message
    assert SECRET not in message and "Picked up" not in message
    refused = _client.explain_client_failure("describe-device", 1, "", "Connect to 192.0.2.10:9091 failed: "
                                             "Connection refused (Connection refused)")
    assert "about 10 minutes after power-on" in refused


def test_device_state_and_ip():
    out = jackson({"UnlockStatus": {"State": "LOCKED"}})
    device = _client.parse_device(_client.json_answer(out, "UnlockStatus"), "describe-device", out, "")
    assert (device["state"], device["ip"]) == ("LOCKED", None)
    out = jackson({"DeviceId": "x"})
    with pytest.raises(SnowballError, match="no device state that can be read \\(UnlockStatus.State\\)"):
        _client.parse_device(_client.json_answer(out, "UnlockStatus"), "describe-device", out, "")


# A notice the client prints before its answer, JSON of its own (as a version check might).
NOTICE = '{"Notice": "A newer Snowball Edge client is available"}\n'
CLUSTER = jackson({"ClusterId": "CID1", "Devices": [
    {"DeviceId": "JID1", "UnlockStatus": {"State": "UNLOCKED"}, "ActiveNetworkInterface": {"IpAddress": IP},
     "NetworkReachability": {"State": "REACHABLE"}, "ClusterAssociation": {"State": "ASSOCIATED"}},
    {"DeviceId": "JID2", "UnlockStatus": {"State": "LOCKED"}, "ActiveNetworkInterface": {"IpAddress": "192.0.2.11"},
     "NetworkReachability": {"State": "UNREACHABLE"}, "ClusterAssociation": {"State": "ASSOCIATED"}}]})


def describing(args):
    if args[0] == "describe-cluster":
        return 0, NOTICE + CLUSTER, ""
    return 0, NOTICE + jackson({"DeviceId": "JID1", "UnlockStatus": {"State": "UNLOCKED"},
                                "ActiveNetworkInterface": {"IpAddress": IP}}), ""


def test_describe_device_past_a_notice(fake_task, tmp_path):
    task = fake_task(describing, tmp_path)
    client = _client.EdgeClient(task)
    with client.session():
        assert client.describe() == [{"id": "JID1", "ip": IP, "state": "UNLOCKED", "reachability": "REACHABLE",
                                      "association": None}]
        assert client.describe(endpoint="https://192.0.2.11")[0]["state"] == "UNLOCKED"
    assert task.endpoints == [None, "https://192.0.2.11"]


def test_describe_cluster_past_a_notice(fake_task, tmp_path):
    _client_config.ProfileStore(fake_task(describing, tmp_path).params["config_path"]).put(
        "bench", {"defaultEndpoint": "https://" + IP, "unlockCode": "abcde-12345-ABCDE-fghij-67890"})
    task = fake_task(describing, tmp_path, cluster_ips=["192.0.2.11"])
    client = _client.EdgeClient(task)
    with client.session():
        devices = client.describe()
    assert [(device["ip"], device["state"], device["reachability"]) for device in devices] == \
        [(IP, "UNLOCKED", "REACHABLE"), ("192.0.2.11", "LOCKED", "UNREACHABLE")]
    # every listed node answered UNLOCKED to describe-device, so describe-cluster was asked, once
    assert [argv[1] for argv in task.argvs] == ["describe-device", "describe-device", "describe-cluster"]
    assert task.argvs[2][1:] == ["describe-cluster", "--profile", "bench", "--device-ip-addresses", IP, "192.0.2.11"]
    assert task.secrets == ["abcde-12345-ABCDE-fghij-67890"]


def test_a_failed_command_is_explained_and_classified(fake_task, tmp_path):
    def refusing(_args):
        return 1, "", "Connect to 192.0.2.10:9091 failed: Connection refused (Connection refused)"

    client = _client.EdgeClient(fake_task(refusing, tmp_path))
    with client.session(), pytest.raises(SnowballError, match="describe-device failed \\(exit 1\\): The device is "
                                                              "not reachable yet") as error:
        client.describe()
    assert error.value.facts == {"client_rc": 1, "client_error": "Connection refused"}


def test_overall_state():
    assert _client.overall_state([{"state": "UNLOCKED"}, {"state": "UNLOCKED"}]) == "UNLOCKED"
    assert _client.overall_state([{"state": "UNLOCKED"}, {"state": "UNLOCKING"}]) == "UNLOCKING"
    assert _client.overall_state([{"state": "UNLOCKED"}, {"state": "LOCKED"}]) == "LOCKED"


def test_a_client_run_past_its_deadline_fails_naming_the_command(fake_task, tmp_path):
    def hanging(_args):
        raise _process.Overdue(7)

    task = fake_task(hanging, tmp_path, client_timeout=7)
    client = _client.EdgeClient(task)
    with client.session(), pytest.raises(SnowballError, match="snowballEdge describe-device: the client did not "
                                                              "answer within 7 s") as error:
        client.describe()
    assert task.timeouts == [7] and error.value.facts == {"client_timeout": True}


def test_no_client_run_goes_past_the_deadline_of_the_task(fake_task, tmp_path):
    task = fake_task(describing, tmp_path, client_timeout=120)
    client = _client.EdgeClient(task)
    client.deadline = time.monotonic() + 30
    with client.session():
        client.describe()
    client.deadline = time.monotonic() - 5  # already past: the run still gets a second to answer
    with client.session():
        client.describe()
    assert 25 <= task.timeouts[0] <= 30 and task.timeouts[1] == 1


def test_a_client_run_may_be_given_less_time_than_client_timeout_and_then_it_is_not_the_deadlines(fake_task, tmp_path):
    def hanging(_args):
        raise _process.Overdue(30)

    task = fake_task(hanging, tmp_path, client_timeout=120)
    client = _client.EdgeClient(task)
    client.deadline = time.monotonic() + 600
    with client.session(), pytest.raises(SnowballError) as error:
        client.run("describe-device-software", most=30)
    assert task.timeouts == [30] and error.value.facts == {"client_timeout": True}


def _slot_is_free(board):
    with open(board.root + "/slot-0.lock", "a", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


@pytest.mark.parametrize("answer", ["overdue", "answered"])
def test_a_client_run_holds_the_runs_slot_until_it_ends_also_when_its_deadline_kills_it(fake_task, tmp_path, answer):
    """A joined run caps simultaneous client starts; a client killed at its deadline must not keep its slot, or
    every other device of the run would wait for it for ever."""
    board = RunBoard(str(tmp_path), "192.0.2.10", slots=1)
    held = []

    def device(args):
        held.append(not _slot_is_free(board))
        if answer == "overdue":
            raise _process.Overdue(7)
        return describing(args)

    client = _client.EdgeClient(fake_task(device, tmp_path / "home", client_timeout=7))
    client.board = board
    with client.session():
        if answer == "overdue":
            with pytest.raises(SnowballError, match="did not answer within 7 s"):
                client.describe()
        else:
            client.describe()
    assert held == [True] and _slot_is_free(board)


def test_a_client_run_still_going_after_its_start_up_frees_its_slot_for_the_next_in_line(fake_task, tmp_path):
    """A device that lost power keeps its client waiting until client_timeout: its slot must not keep the run's
    other devices from looking meanwhile (with two slots, two such devices stopped every look of the run)."""
    board = RunBoard(str(tmp_path), "192.0.2.10", slots=1)
    held = []

    def device(args):
        held.append(not _slot_is_free(board))
        seconds, still_going = task.busy
        assert seconds == _run_board.START_SECONDS
        still_going()  # the run has taken START_SECONDS: it waits for its device now, not for a core
        held.append(not _slot_is_free(board))
        return describing(args)

    task = fake_task(device, tmp_path / "home")
    client = _client.EdgeClient(task)
    client.board = board
    with client.session():
        client.describe()
    assert held == [True, False] and _slot_is_free(board)


@pytest.mark.parametrize("value", [0, -1, 86401])
def test_client_timeout_out_of_range_is_refused(fake_task, tmp_path, value):
    with pytest.raises(SnowballError, match="client_timeout must be a number of seconds above 0"):
        _client.EdgeClient(fake_task(describing, tmp_path, client_timeout=value))


class StrictCluster:
    """A cluster as the developer guide's stricter reading has it: describe-device at each node's address,
    describe-cluster refused (IncorrectDeviceStateException) while the node asked is not UNLOCKED; ``states``
    {ip: state} of every node, also one left out of cluster_ips; ``silent`` nodes do not answer."""

    def __init__(self, task_of, states, silent=()):
        self.task_of, self.states, self.silent = task_of, dict(states), set(silent)

    def node(self, ip):
        return {"DeviceId": "JID-" + ip, "UnlockStatus": {"State": self.states[ip]},
                "ActiveNetworkInterface": {"IpAddress": ip}, "ClusterAssociation": {"State": "ASSOCIATED"}}

    def __call__(self, args):
        endpoint = self.task_of().endpoints[-1]
        ip = endpoint[len("https://"):] if endpoint else IP
        if ip in self.silent:
            return 1, "", "Connect to %s:9091 failed: connect timed out" % ip
        if args[0] == "describe-cluster":
            if self.states[ip] != "UNLOCKED":
                return 1, "", "Error Code: IncorrectDeviceStateException"
            return 0, jackson({"ClusterId": "CID1", "Devices": [self.node(node) for node in self.states]}), ""
        return 0, jackson(self.node(ip)), ""


def cluster_task(fake_task, tmp_path, states, silent=(), cluster_ips=("192.0.2.11",)):
    _client_config.ProfileStore(fake_task(None, tmp_path).params["config_path"]).put(
        "bench", {"defaultEndpoint": "https://" + IP, "unlockCode": "abcde-12345-ABCDE-fghij-67890"})
    tasks = []
    task = fake_task(StrictCluster(lambda: tasks[0], states, silent), tmp_path, cluster_ips=list(cluster_ips))
    tasks.append(task)
    return task


def test_a_locked_cluster_is_described_node_by_node_without_describe_cluster(fake_task, tmp_path):
    task = cluster_task(fake_task, tmp_path, {IP: "LOCKED", "192.0.2.11": "LOCKED", "192.0.2.12": "LOCKED"},
                        silent={"192.0.2.12"}, cluster_ips=("192.0.2.11", "192.0.2.12"))
    client = _client.EdgeClient(task)
    with client.session():
        devices = client.describe()
    assert [(device["ip"], device["state"], device["reachability"]) for device in devices] == [
        (IP, "LOCKED", "REACHABLE"), ("192.0.2.11", "LOCKED", "REACHABLE"), ("192.0.2.12", "LOCKED", "UNREACHABLE")]
    assert [argv[1] for argv in task.argvs] == ["describe-device"] * 3
    assert task.endpoints == ["https://" + IP, "https://192.0.2.11", "https://192.0.2.12"]


def test_an_unlocked_cluster_is_described_whole_so_a_node_left_out_is_seen(fake_task, tmp_path):
    task = cluster_task(fake_task, tmp_path, {IP: "UNLOCKED", "192.0.2.11": "UNLOCKED", "192.0.2.12": "LOCKED"})
    client = _client.EdgeClient(task)
    with client.session():
        devices = client.describe()
    assert [(device["ip"], device["state"]) for device in devices] == [
        (IP, "UNLOCKED"), ("192.0.2.11", "UNLOCKED"), ("192.0.2.12", "LOCKED")]


def test_a_cluster_that_refuses_describe_cluster_with_every_listed_node_unlocked_names_cluster_ips(fake_task, tmp_path):
    task = cluster_task(fake_task, tmp_path, {IP: "UNLOCKED", "192.0.2.11": "UNLOCKED"})
    task.device.states[IP] = "UNLOCKED"
    refusing = task.device

    def refuse_cluster(args):
        if args[0] == "describe-cluster":
            return 1, "", "Error Code: IncorrectDeviceStateException"
        return refusing(args)

    task.device = refuse_cluster
    client = _client.EdgeClient(task)
    with client.session(), pytest.raises(SnowballError, match="a node of the cluster is not in cluster_ips"):
        client.describe()
