# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profiles lookup: the names in one or more client config files, and a damaged file as a lookup error."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleLookupError
from ansible_collections.fieldops.snowball.plugins.lookup.snowball_edge_profiles import LookupModule
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import ProfileStore


def config(tmp_path, name):
    return str(tmp_path / name / ".aws" / "snowball" / "config" / "snowball-edge.config")


def test_names_of_every_file_given_sorted_once(tmp_path):
    first, second = config(tmp_path, "a"), config(tmp_path, "b")
    ProfileStore(first).put("rack", {"unlockCode": "x"})
    ProfileStore(first).put("bench", {"unlockCode": "x"})
    ProfileStore(second).put("bench", {"unlockCode": "y"})
    assert LookupModule().run([first, second]) == ["bench", "rack"]
    assert LookupModule().run([config(tmp_path, "missing")]) == []


def test_a_file_that_is_not_the_clients_is_a_lookup_error(tmp_path):
    path = tmp_path / "snowball-edge.config"
    path.write_text("not json")
    with pytest.raises(AnsibleLookupError, match="is not valid JSON"):
        LookupModule().run([str(path)])
