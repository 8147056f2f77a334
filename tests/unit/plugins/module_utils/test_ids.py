# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The forms of identifiers, and the two profile-name rules: the client's and the AWS profile's."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _ids
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError


@pytest.mark.parametrize("name", ["", " x", "x ", "a]b", "[a", "a\nb", "a=b", "a b", "-x", ".x", "..", "a/b", 'a"b',
                                  "a'b", "a;b", "x" * 129, None, 12, "default", "déjà"])
def test_bad_aws_profile_names_are_refused(name):
    with pytest.raises(SnowballError, match="aws_profile"):
        _ids.check_aws_profile_name(name)


@pytest.mark.parametrize("name", ["snowball-bench", "dev.1_a", "A" * 128, "snowball-192.0.2.10"])
def test_good_aws_profile_names(name):
    assert _ids.check_aws_profile_name(name) == name


@pytest.mark.parametrize("name", ["--unlock-code", "-x", "a b", "a\nb", "", "x" * 129, None])
def test_profile_names_the_client_could_misread_are_refused(name):
    with pytest.raises(SnowballError, match="is not usable"):
        _ids.check_client_profile_name(name)
