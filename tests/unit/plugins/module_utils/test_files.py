# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private files: modes, destinations, atomic plans written only on a change, one lock, a killed write's leftovers."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _files
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError


@pytest.mark.parametrize("mode,bits", [("0600", 0o600), ("640", 0o640), (0o644, 0o644), ("u=rw", 0o600),
                                       ("u=rw,g=r", 0o640)])
def test_file_modes_as_the_file_module_takes_them(mode, bits):
    assert _files.resolve_mode(mode) == bits


@pytest.mark.parametrize("mode", ["0800", "9", -1, 644, 0o4600, "04600", "u+s", "o+t", [1], {"a": 1}, 1.5, True,
                                  10 ** 400, "rw"])
def test_a_bad_mode_is_refused_before_anything_is_written(tmp_path, mode):
    dest = tmp_path / "manifest.bin"
    with pytest.raises(SnowballError, match="not a file mode for a private file.*Nothing was written"):
        _files.store_private_file(str(dest), b"data", "the manifest", mode=mode)
    assert not dest.exists()


@pytest.mark.parametrize("make_path,expected", [
    (lambda tmp: str(tmp / "a\0b"), "is not a usable path"),
    (lambda tmp: str(tmp / ("x" * 300)), "longer than 255 characters"),
    (lambda tmp: str(tmp / "file" / "sub" / "m.bin"), "is not a directory"),
])
def test_unusable_destinations_are_named(tmp_path, make_path, expected):
    (tmp_path / "file").write_text("a regular file")
    with pytest.raises(SnowballError, match=expected):
        _files.check_private_destination(make_path(tmp_path), missing_parent_ok=True)


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


def test_os_error_text_names_the_path():
    error = FileNotFoundError(2, "No such file or directory", "/some/where")
    assert _files.os_error_text(error) == "No such file or directory (/some/where)"


def test_a_mode_change_alone_is_a_change_and_shown_in_the_diff(tmp_path):
    path = tmp_path / "bundle.pem"
    _files.FilePlan(str(path), b"certificate").apply()
    assert mode(path) == 0o600
    os.chmod(path, 0o644)
    plan = _files.FilePlan(str(path), b"certificate")
    assert (plan.content_changed, plan.mode_changed, plan.changed) == (False, True, True)
    assert plan.diff()["before"] == "# mode 0644\n" and plan.diff()["after"] == "# mode 0600\n"
    plan.apply()
    assert mode(path) == 0o600 and path.read_bytes() == b"certificate"
    assert _files.FilePlan(str(path), b"certificate").changed is False


def test_store_private_file_removes_a_killed_writes_copy_of_the_secret(tmp_path):
    path = tmp_path / "code.txt"
    leftover = tmp_path / ".code.txt.q1w2e3r4"
    leftover.write_text("the unlock code")
    assert _files.store_private_file(str(path), b"code", "the unlock code") is True
    assert not leftover.exists() and path.read_bytes() == b"code" and mode(path) == 0o600
    assert _files.store_private_file(str(path), b"code", "the unlock code") is False


def test_store_private_file_in_check_mode_writes_and_removes_nothing(tmp_path):
    leftover = tmp_path / ".code.txt.q1w2e3r4"
    leftover.write_text("the unlock code")
    assert _files.store_private_file(str(tmp_path / "code.txt"), b"code", "the unlock code", check_mode=True) is True
    assert sorted(os.listdir(tmp_path)) == [".code.txt.q1w2e3r4"]


def test_locked_creates_a_missing_directory_privately(tmp_path):
    target = tmp_path / "new" / "credentials"
    with _files.locked([str(target)], create=True):
        assert mode(target.parent) == 0o700
    with _files.locked([str(tmp_path / "absent" / "x")]):
        assert not (tmp_path / "absent").exists()


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test, and put the old one back."""
    old = os.umask(0o022)
    os.umask(old)

    def set_umask(value):
        os.umask(value)

    yield set_umask
    os.umask(old)


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077])
def test_every_directory_created_for_a_secret_is_private_whatever_the_umask(tmp_path, umask, mask):
    umask(mask)
    dest = tmp_path / "home" / ".aws" / "snowball" / "config" / "snowball-edge.config"
    _files.store_private_file(str(dest), b"{}", "the client config", create_parent=True)
    for directory in (tmp_path / "home", dest.parents[2], dest.parents[1], dest.parent):
        assert mode(directory) == 0o700, directory
    assert mode(dest) == 0o600


def test_a_directory_created_meanwhile_by_another_fork_is_used(tmp_path, umask):
    umask(0o000)
    (tmp_path / "a").mkdir(mode=0o700)
    _files.make_private_directories(str(tmp_path / "a" / "b"))
    _files.make_private_directories(str(tmp_path / "a" / "b"))
    assert mode(tmp_path / "a" / "b") == 0o700


def test_a_world_writable_ancestor_anywhere_on_the_path_is_refused(tmp_path):
    (tmp_path / "open" / "private").mkdir(parents=True)
    (tmp_path / "open" / "private").chmod(0o700)
    (tmp_path / "open").chmod(0o777)
    with pytest.raises(SnowballError, match=r"open is world-writable, so another user could replace"):
        _files.check_private_destination(str(tmp_path / "open" / "private" / "m.bin"))
    with pytest.raises(SnowballError, match=r"open is world-writable"):
        _files.check_private_destination(str(tmp_path / "open" / "private" / "new" / "m.bin"), missing_parent_ok=True)


def test_a_symlinked_ancestor_is_checked_where_it_points(tmp_path):
    (tmp_path / "open" / "sub").mkdir(parents=True)
    (tmp_path / "open").chmod(0o777)
    (tmp_path / "home").mkdir(mode=0o700)
    (tmp_path / "home" / "linkdir").symlink_to(tmp_path / "open")
    with pytest.raises(SnowballError, match=r"open is world-writable"):
        _files.check_private_destination(str(tmp_path / "home" / "linkdir" / "sub" / "m.bin"))


def test_a_symlink_of_this_user_to_a_private_place_is_fine(tmp_path):
    (tmp_path / "var" / "home" / "user").mkdir(parents=True, mode=0o700)
    (tmp_path / "home").symlink_to(tmp_path / "var" / "home")
    _files.check_private_destination(str(tmp_path / "home" / "user" / "m.bin"))


def test_a_sticky_world_writable_directory_is_fine_above_a_directory_of_this_user(tmp_path):
    (tmp_path / "shared" / "mine").mkdir(parents=True, mode=0o700)
    (tmp_path / "shared").chmod(0o1777)
    _files.check_private_destination(str(tmp_path / "shared" / "mine" / "m.bin"))
    _files.check_private_destination(str(tmp_path / "shared" / "new" / "m.bin"), missing_parent_ok=True)
    with pytest.raises(SnowballError, match="world-writable"):
        _files.check_private_destination(str(tmp_path / "shared" / "m.bin"))


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another user needs root")
def test_an_ancestor_of_another_user_is_refused(tmp_path):
    (tmp_path / "theirs" / "mine").mkdir(parents=True, mode=0o700)
    os.chown(tmp_path / "theirs", 65534, 65534)
    with pytest.raises(SnowballError, match=r"theirs is owned by another user \(uid 65534\)"):
        _files.check_private_destination(str(tmp_path / "theirs" / "mine" / "m.bin"))
    (tmp_path / "shared").mkdir(mode=0o1777)
    (tmp_path / "shared" / "planted").mkdir(mode=0o700)
    os.chown(tmp_path / "shared" / "planted", 65534, 65534)
    with pytest.raises(SnowballError, match="owned by another user|next directory is not yours"):
        _files.check_private_destination(str(tmp_path / "shared" / "planted" / "m.bin"))


def test_a_group_writable_ancestor_is_refused_unless_the_group_is_the_owners_alone(tmp_path, monkeypatch):
    (tmp_path / "team" / "mine").mkdir(parents=True, mode=0o700)
    (tmp_path / "team").chmod(0o770)
    if os.stat(tmp_path / "team").st_gid == 0:
        if os.geteuid() != 0:
            pytest.skip("root's group may write (execution environments): this needs a directory of another group")
        os.chown(tmp_path / "team", -1, 65534)
    monkeypatch.setattr(_files, "_group_is_only", lambda gid, uid: False)
    with pytest.raises(SnowballError, match="team is writable by its group, which has other members"):
        _files.check_private_destination(str(tmp_path / "team" / "mine" / "m.bin"))
    monkeypatch.setattr(_files, "_group_is_only", lambda gid, uid: True)
    _files.check_private_destination(str(tmp_path / "team" / "mine" / "m.bin"))


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to root's group needs root")
def test_a_directory_of_roots_group_may_be_group_writable_as_execution_environments_make_it(tmp_path, monkeypatch):
    (tmp_path / "runner" / "mine").mkdir(parents=True, mode=0o700)
    os.chown(tmp_path / "runner", 0, 0)
    (tmp_path / "runner").chmod(0o775)
    monkeypatch.setattr(_files, "_group_is_only", lambda gid, uid: False)
    _files.check_private_destination(str(tmp_path / "runner" / "mine" / "m.bin"))
