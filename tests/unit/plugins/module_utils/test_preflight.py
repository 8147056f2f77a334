# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight's logic: the client's version answer, and the wait for port 9091 on a clock the test moves and
with connection attempts the test scripts (no socket)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _preflight
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._process import Overdue
from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import RunBoard
from ansible_collections.fieldops.snowball.tests.unit.plugins.fake_clock import Clock


class Task:
    """A context whose client answers ``version`` with ``answer`` (rc, stdout, stderr)."""

    def __init__(self, path, answer):
        self.path, self.answer, self.argvs = path, answer, []

    def find_executable(self, name):  # pylint: disable=unused-argument
        return self.path

    def run_command(self, argv, environ_update=None, timeout=None):  # pylint: disable=unused-argument
        self.argvs.append(argv)
        return self.answer


@pytest.fixture
def executable(tmp_path):
    path = tmp_path / "snowballEdge"
    path.write_text("#!/bin/sh\n")
    os.chmod(path, 0o755)
    return str(path)


def test_the_snowball_edge_clients_version_answer_is_accepted(executable):
    task = Task(executable, (0, "Snowball client version: 1.2.0  Build 661\n", ""))
    assert _preflight.client_version(task, "snowballEdge") == "1.2.0  Build 661"
    assert task.argvs == [[executable, "version"]]


@pytest.mark.parametrize("answer", [(0, "", ""), (2, "", "usage: true"), (0, "Python 3.11.7\n", "")],
                         ids=["silent like /bin/true", "fails", "another program"])
def test_a_program_that_does_not_answer_as_the_client_is_refused(executable, answer):
    with pytest.raises(SnowballError, match="is not the Snowball Edge client: .*Set snowball_unlock_client"):
        _preflight.client_version(Task(executable, answer), executable)


def test_the_devices_of_one_run_ask_the_client_its_version_once(executable, tmp_path):
    board = RunBoard(str(tmp_path / "board"), executable)
    os.mkdir(board.root, 0o700)
    tasks = [Task(executable, (0, "Snowball client version: 1.2.0  Build 661\n", "")) for _device in range(3)]
    for task in tasks:
        assert _preflight.client_version(task, "snowballEdge", board=lambda _key: board) == "1.2.0  Build 661"
    assert [len(task.argvs) for task in tasks] == [1, 0, 0]
    with open(executable, "a", encoding="utf-8") as handle:
        handle.write("# replaced by another version\n")  # another file: asked again
    assert _preflight.client_version(tasks[1], "snowballEdge", board=lambda _key: board) == "1.2.0  Build 661"
    assert len(tasks[1].argvs) == 1


def test_a_client_that_hangs_on_version_is_stopped_and_named(executable):
    class Hangs(Task):
        def run_command(self, argv, environ_update=None, timeout=None):
            self.argvs.append((argv, timeout))
            raise Overdue(timeout)

    task = Hangs(executable, None)
    with pytest.raises(SnowballError, match="version` did not answer within 60 s, so it was stopped"):
        _preflight.client_version(task, "snowballEdge", board=lambda _key: None)
    assert task.argvs == [([executable, "version"], 60)]


def test_a_client_not_on_path_names_the_role_variable():
    with pytest.raises(SnowballError, match="was not found or is not executable.*snowball_unlock_client"):
        _preflight.client_version(Task(None, None), "snowballEdge")


def scripted(answers):
    """connect(): each host's answers in turn (the last one repeats)."""
    attempts = []

    def connect(host, timeout):  # pylint: disable=unused-argument
        attempts.append(host)
        queue = answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]
    return connect, attempts


def test_a_booting_device_is_waited_for_until_it_accepts():
    clock = Clock()
    connect, attempts = scripted({"192.0.2.10": ["refused", "refused", None]})
    answered = _preflight.wait_for_ports(["192.0.2.10"], 60, connect, clock, clock.sleep)
    assert answered == {"192.0.2.10": 10.0} and len(attempts) == 3


def test_without_a_wait_one_refusal_fails_and_says_how_to_wait():
    clock = Clock()
    connect, attempts = scripted({"192.0.2.10": ["refused", None]})
    with pytest.raises(SnowballError, match="192.0.2.10 refused the connection to port 9091 .*one attempt.*"
                                            "set snowball_unlock_wait_for_device"):
        _preflight.wait_for_ports(["192.0.2.10"], 0, connect, clock, clock.sleep)
    assert len(attempts) == 1


def test_the_wait_ends_at_its_limit_and_names_the_node_that_never_answered():
    clock = Clock()
    connect, _attempts = scripted({"192.0.2.10": [None], "192.0.2.11": ["no answer"]})
    with pytest.raises(SnowballError) as failure:
        _preflight.wait_for_ports(["192.0.2.10", "192.0.2.11"], 12, connect, clock, clock.sleep)
    assert clock.now == 12
    assert failure.value.msg.startswith("192.0.2.11 did not answer on port 9091 after waiting 12s: check the IP")
    assert failure.value.facts["answered"] == {"192.0.2.10": 0.0}
