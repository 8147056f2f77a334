# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inputs an outside review broke the collection with: each is refused with a message, before any write."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _files
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import ProfileStore


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


def test_a_fifo_at_the_config_path_is_refused_not_read_for_ever(tmp_path):
    path = tmp_path / ".aws" / "snowball" / "config" / "snowball-edge.config"
    path.parent.mkdir(parents=True, mode=0o700)
    os.mkfifo(path)
    with pytest.raises(SnowballError, match="is not a regular file; it was left untouched"):
        ProfileStore(str(path)).names()
    assert stat.S_ISFIFO(os.stat(path).st_mode)
