# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's first check of the device's AWS profile name: the credentials step's own rule, before anything runs."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.fieldops.snowball.plugins.filter.snowball_aws_profile_name import snowball_aws_profile_name


@pytest.mark.parametrize("name", ["", "snowball-bench", "rack.1_a"])
def test_a_usable_name_or_none_passes_unchanged(name):
    assert snowball_aws_profile_name(name) == name


@pytest.mark.parametrize("name, expected", [
    ("default", "'default' would replace the credentials"),
    ("--x", "'--x' is not usable"),
    ("a b", "is not usable"),
    ("[x]", "is not usable"),
    (42, "is not usable"),
])
def test_a_name_the_credentials_step_refuses_is_refused_first(name, expected):
    with pytest.raises(AnsibleFilterError, match="snowball_unlock_device_aws_profile .*" + expected.replace("[", r"\[")):
        snowball_aws_profile_name(name)
