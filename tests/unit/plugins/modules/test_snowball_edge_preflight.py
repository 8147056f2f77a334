# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight module: its options checked before the client runs, every cluster node's port tried."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.plugins.modules import snowball_edge_preflight
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError


class Task:
    def __init__(self, **params):
        self.params = dict(dict(endpoint="192.0.2.10", cluster_ips=[], client="/bin/false", wait_for_device=0,
                                connect=True), **params)
        self.argvs = []

    def find_executable(self, name):  # pylint: disable=unused-argument
        return None

    def run_command(self, argv, environ_update=None, timeout=None):  # pylint: disable=unused-argument
        self.argvs.append(argv)
        return 0, "Snowball client version: 1.2.0  Build 661\n", ""


def test_every_node_and_the_endpoint_are_tried_once(monkeypatch):
    tried = []
    monkeypatch.setattr(snowball_edge_preflight, "wait_for_ports", lambda hosts, wait: tried.extend(hosts) or {})
    task = Task(endpoint="https://192.0.2.10", cluster_ips=["192.0.2.11", "192.0.2.10"])
    result = snowball_edge_preflight.run(task)
    assert tried == ["192.0.2.11", "192.0.2.10"] and result["client_version"] == "1.2.0  Build 661"


def test_connect_false_runs_only_the_client_check(monkeypatch):
    monkeypatch.setattr(snowball_edge_preflight, "wait_for_ports", pytest.fail)
    assert snowball_edge_preflight.run(Task(connect=False))["answered"] == {}


@pytest.mark.parametrize("params, message", [
    ({"wait_for_device": -1}, "snowball_unlock_wait_for_device"),
    ({"endpoint": "192.0.2.10:22"}, "is not a device address"),
    ({"cluster_ips": ["192.0.2.11 192.0.2.12"]}, "is not a device IP address"),
])
def test_bad_options_fail_before_the_client_runs(params, message):
    task = Task(**params)
    with pytest.raises(SnowballError, match=message):
        snowball_edge_preflight.run(task)
    assert task.argvs == []
