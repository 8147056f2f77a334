# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 11, shared code without a server: device addresses (13), a killed write's leftovers (11),
OS errors that name their path (13)."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _edge
from ansible_collections.fieldops.snowball.plugins.module_utils import _files
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import ProfileStore


@pytest.mark.parametrize("given, expected", [
    ("2001:db8::10", "https://[2001:db8::10]"),            # a bare IPv6 address: its colons are no port
    ("https://[2001:DB8:0::10]:9091", "https://[2001:db8::10]"),
    ("Snowball-1.Example.NET", "https://snowball-1.example.net"),
])
def test_more_endpoints_are_normalised(given, expected):
    assert _edge.normalize_endpoint(given) == expected


@pytest.mark.parametrize("given", ["999.999.999.999", "[:::]", "https://[:::]", "1.2.3", "010.0.0.1",
                                   "[192.0.2.10]", "-device.example", "device-.example", "a..b", "--unlock-code",
                                   "x" * 64 + ".example", "192.0.2.10.", "device_1.example"])
def test_invalid_endpoints_are_refused(given):
    with pytest.raises(SnowballError, match="not a device address"):
        _edge.normalize_endpoint(given)


@pytest.mark.parametrize("ips", [["192.0.2.10", "192.0.2.11"], ["2001:db8::10", "[2001:db8::11]"],
                                 ["node-1.example", "node-2.example"], [], None])
def test_valid_cluster_ips_are_kept_as_given(ips):
    assert _edge.check_device_ips(ips) == ips


@pytest.mark.parametrize("ips, message", [
    (["192.0.2.10", "192.0.2.10"], "twice"),
    (["2001:db8::10", "[2001:DB8:0::10]"], "twice"),
    (["Node-1.example", "node-1.example"], "twice"),
    (["192.0.2.10", "999.999.999.999"], "not a device IP address"),
    (["[:::]"], "not a device IP address"),
    (["--unlock-code"], "not a device IP address"),
    (["192.0.2.10 192.0.2.11"], "not a device IP address"),
])
def test_bad_cluster_ips_are_refused(ips, message):
    with pytest.raises(SnowballError, match=message):
        _edge.check_device_ips(ips)


def test_stale_temporaries_are_removed_and_nothing_else(tmp_path):
    path = str(tmp_path / "snowball-edge.config")
    keep = ["snowball-edge.config", ".snowball-edge.config.bak", ".snowball-edge.config.toolongname1", "other"]
    stale = ".snowball-edge.config.ab_12cd3"
    for name in keep + [stale]:
        (tmp_path / name).write_text("x")
    os.symlink(str(tmp_path / "other"), str(tmp_path / ".snowball-edge.config.linkzzzz"))
    assert _files.remove_stale_temporaries(path) is True
    assert sorted(os.listdir(tmp_path)) == sorted(keep + [".snowball-edge.config.linkzzzz"])
    assert _files.remove_stale_temporaries(path) is False


def test_store_write_removes_a_killed_writes_copy(tmp_path):
    store = ProfileStore(str(tmp_path / "config" / "snowball-edge.config"))
    store.put("one", {"unlockCode": "x"})
    leftover = tmp_path / "config" / ".snowball-edge.config.q1w2e3r4"
    leftover.write_text("every profile's code")
    assert store.put("one", {"unlockCode": "x"})[0] is True  # removing it is a change
    assert not leftover.exists()
    assert store.put("one", {"unlockCode": "x"})[0] is False


def test_check_mode_store_removes_nothing(tmp_path):
    store = ProfileStore(str(tmp_path / "config" / "snowball-edge.config"))
    store.put("one", {"unlockCode": "x"})
    leftover = tmp_path / "config" / ".snowball-edge.config.q1w2e3r4"
    leftover.write_text("every profile's code")
    ProfileStore(store.path, check_mode=True).put("two", {"unlockCode": "y"})
    assert leftover.exists()


def test_keep_private_tightens_and_refuses(tmp_path):
    store = ProfileStore(str(tmp_path / "config" / "snowball-edge.config"))
    store.put("one", {"unlockCode": "x"})
    os.chmod(store.path, 0o644)
    assert ProfileStore(store.path, check_mode=True).keep_private() is True
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o644
    assert store.keep_private() is True and stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.keep_private() is False
    os.chmod(os.path.dirname(store.path), 0o777)
    with pytest.raises(SnowballError, match="world-writable"):
        store.keep_private()


def test_os_error_text_names_the_path():
    error = FileNotFoundError(2, "No such file or directory", "/some/where")
    assert _files.os_error_text(error) == "No such file or directory (/some/where)"
