# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's first check of an endpoint: normalised, and a bad one refused before anything runs."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.fieldops.snowball.plugins.filter.snowball_endpoint import snowball_endpoint


def test_an_endpoint_is_normalised_and_a_bad_one_refused():
    assert snowball_endpoint("192.0.2.10") == "https://192.0.2.10"
    with pytest.raises(AnsibleFilterError):
        snowball_endpoint("192.0.2.10;reboot")
