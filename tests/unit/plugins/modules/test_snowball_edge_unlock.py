# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snowball_edge_unlock: through main(), where the client's own words are part of the result, and its logic
with a scripted client that prints a notice before each answer."""

from __future__ import annotations

import contextlib
import json
import os
import stat

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _client
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import ProfileStore
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import client_profile
from ansible_collections.fieldops.snowball.plugins.modules import snowball_edge_unlock


def test_a_client_that_echoes_the_saved_profiles_code_has_it_masked(site, run_module, tmp_path):
    """With a saved profile the code is no task argument, yet the client may repeat it in an error."""
    job_id = site.add_device()
    code = site.world.jobs[job_id]["unlock_code"]
    ProfileStore(site.config_path()).put("bench", client_profile(
        "bench", job_id, code, site.manifest_file(job_id), "https://192.0.2.10", []))
    echo = tmp_path / "snowballEdge"
    echo.write_text("#!/bin/sh\necho \"IncorrectDeviceManifestException: cannot decrypt the manifest with %s\"\n"
                    "exit 1\n" % code)
    echo.chmod(stat.S_IRWXU)
    result = run_module(snowball_edge_unlock, {"profile": "bench", "client": str(echo)})
    assert result["failed"] and "IncorrectDeviceManifestException" in result["msg"], result
    assert code not in repr(result)
    assert os.path.isfile(site.config_path())


# A notice the client prints before its answer, JSON of its own (as a version check might).
NOTICE = '{"Notice": "A newer Snowball Edge client is available"}\n'


class ScriptedDevices:
    """Devices that are LOCKED until an unlock command, then UNLOCKED; every answer after a notice."""

    def __init__(self, ips):
        self.ips, self.state, self.commands = ips, "LOCKED", []

    def __call__(self, args):
        self.commands.append(args[0])
        if args[0].startswith("unlock-"):
            self.state = "UNLOCKED"
            return 0, NOTICE + "Your Snowball Edge device is unlocking. You may determine the unlock state of your "\
                "device using the describe-device command.\n", ""
        devices = [{"DeviceId": "JID%d" % index, "UnlockStatus": {"State": self.state},
                    "ActiveNetworkInterface": {"IpAddress": ip}} for index, ip in enumerate(self.ips)]
        if args[0] == "describe-cluster":
            return 0, NOTICE + json.dumps({"ClusterId": "CID1", "Devices": devices}), ""
        return 0, NOTICE + json.dumps(devices[0]), ""


def unlock_params(**given):
    base = {"job_id": None, "wait": True, "timeout": 60, "poll_interval": 0.001}
    base.update(given)
    return base


@pytest.mark.parametrize("ips", [["192.0.2.10"], ["192.0.2.10", "192.0.2.11"]])
def test_a_notice_before_each_answer_of_unlock_and_describe_is_skipped(fake_task, tmp_path, ips):
    devices = ScriptedDevices(ips)
    task = fake_task(devices, tmp_path, **unlock_params(cluster_ips=ips[1:] or None))
    ProfileStore(task.params["config_path"]).put("bench", {"defaultEndpoint": "https://" + ips[0]})
    result = snowball_edge_unlock.run(task)
    assert result["changed"] is True and result["device_state"] == "UNLOCKED"
    # once unlocked, each device is asked for its certificate's expiry
    if len(ips) > 1:  # each node by describe-device until all are UNLOCKED, then describe-cluster once
        assert devices.commands == ["describe-device", "describe-device", "unlock-cluster", "describe-device",
                                    "describe-device", "describe-cluster"] + ["describe-device-software"] * 2
    else:
        assert devices.commands == ["describe-device", "unlock-device", "describe-device", "describe-device-software"]


class CountingBoard:
    """A run board that counts the client runs made while holding one of its slots."""

    def __init__(self):
        self.held = 0
        self.joined = 0
        self.not_urgent = []  # the commands that let the run's urgent client starts go first

    def fleet(self):
        return []

    def tell(self, sent, still, done):
        pass

    def let_go(self):
        pass

    @contextlib.contextmanager
    def client_slot(self, urgent=True, until=None):
        self.held += 1
        if not urgent:
            self.not_urgent.append(self.held)
        yield 0


@pytest.mark.parametrize("poll_interval, check_mode, shared", [(None, False, True), (0.1, False, False),
                                                               (None, True, False)])
def test_only_the_adaptive_wait_shares_client_starts_with_the_run(site, run_module, monkeypatch, poll_interval,
                                                                  check_mode, shared):
    """Unset, poll_interval makes every client run of the task (describe, unlock, looks) take one of the run's
    slots, so a fleet's JVM starts do not all run at once; a poll_interval the user set keeps the fixed wait, and
    check mode, which waits for nothing, joins no run."""
    job_id = site.add_device()
    board = CountingBoard()

    def for_this_run(_device, base=None):
        board.joined += 1
        return board

    monkeypatch.setattr(_client.RunBoard, "for_this_run", staticmethod(for_this_run))
    args = {"endpoint": "192.0.2.10", "manifest_path": site.manifest_file(job_id), "job_id": job_id,
            "unlock_code": site.world.jobs[job_id]["unlock_code"], "_ansible_check_mode": check_mode}
    if poll_interval:
        args["poll_interval"] = poll_interval
    result = run_module(snowball_edge_unlock, args)
    assert result["device_state"] == ("LOCKED" if check_mode else "UNLOCKED"), result
    runs = len(site.client_invocations())
    assert runs >= (1 if check_mode else 3)  # describe, unlock, and looks until UNLOCKED
    assert (board.joined, board.held) == ((1, runs) if shared else (0, 0))
    if shared:  # only the certificate check, the last client run, once the device answered UNLOCKED
        assert board.not_urgent == [runs] and site.client_invocations()[-1]["command"] == "describe-device-software"
