# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _edge
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError


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
    with pytest.raises(SnowballError, match="not a device address"):
        _edge.normalize_endpoint(given)


def test_overall_state():
    assert _edge.overall_state([{"state": "UNLOCKED"}, {"state": "UNLOCKED"}]) == "UNLOCKED"
    assert _edge.overall_state([{"state": "UNLOCKED"}, {"state": "UNLOCKING"}]) == "UNLOCKING"
    assert _edge.overall_state([{"state": "UNLOCKED"}, {"state": "LOCKED"}]) == "LOCKED"
