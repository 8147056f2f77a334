# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _edge


@pytest.mark.parametrize("given,expected", [
    ("192.0.2.10", "https://192.0.2.10"),
    ("https://192.0.2.10", "https://192.0.2.10"),
    ("https://192.0.2.10:9091/", "https://192.0.2.10"),
    ("snowball-1.example.net", "https://snowball-1.example.net"),
    ("[2001:db8::10]", "https://[2001:db8::10]"),
])
def test_endpoints_are_normalised(given, expected):
    assert _edge.normalize_endpoint(given) == expected


@pytest.mark.parametrize("given", [
    "192.0.2.10; rm -rf ~", "$(id)", "192.0.2.10`id`", "https://admin:secret@192.0.2.10",
    "https://192.0.2.10/path", "http://192.0.2.10", "192.0.2.10:8443", "", " ", None,
])
def test_bad_endpoints_are_refused(given):
    with pytest.raises(_edge.EdgeError, match="not a device address"):
        _edge.normalize_endpoint(given)


def profile(name, code="abcde-12345-ABCDE-fghij-67890"):
    return _edge.client_profile(name, "JID123e4567-e89b-12d3-a456-426655440000", code, "/m.bin", "https://192.0.2.10", [])


def test_set_profile_keeps_other_profiles_and_is_private(tmp_path):
    path = tmp_path / "cfg" / "snowball-edge.config"
    path.parent.mkdir(mode=0o755)
    opshub = {"version": 1, "opsHubSetting": {"x": 1},
              "profiles": {"opshub": {"name": "opshub", "unlockCode": "u", "extra": [1, 2]}}}
    path.write_text(json.dumps(opshub))
    path.chmod(0o644)

    changed, before, after = _edge.set_profile(str(path), "mine", profile("mine"))
    assert changed and before is None and after["unlockCode"].startswith("abcde")
    written = json.loads(path.read_text())
    assert written["profiles"]["opshub"] == opshub["profiles"]["opshub"]
    assert written["opsHubSetting"] == {"x": 1}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    assert _edge.set_profile(str(path), "mine", profile("mine"))[0] is False
    assert _edge.set_profile(str(path), "mine", None)[0] is True
    assert json.loads(path.read_text())["profiles"] == opshub["profiles"]


def test_check_mode_writes_nothing(tmp_path):
    path = tmp_path / "cfg" / "snowball-edge.config"
    changed, _before, _after = _edge.set_profile(str(path), "mine", profile("mine"), check_mode=True)
    assert changed and not path.parent.exists()


def test_corrupt_config_is_left_untouched(tmp_path):
    path = tmp_path / "snowball-edge.config"
    path.write_text('{"version": 1, "profiles": {')
    before = path.read_bytes()
    with pytest.raises(_edge.EdgeError, match="not valid JSON.*left untouched"):
        _edge.set_profile(str(path), "mine", profile("mine"))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["snowball-edge.config"]


def test_overall_state():
    assert _edge.overall_state([{"state": "UNLOCKED"}, {"state": "UNLOCKED"}]) == "UNLOCKED"
    assert _edge.overall_state([{"state": "UNLOCKED"}, {"state": "UNLOCKING"}]) == "UNLOCKING"
    assert _edge.overall_state([{"state": "UNLOCKED"}, {"state": "LOCKED"}]) == "LOCKED"
