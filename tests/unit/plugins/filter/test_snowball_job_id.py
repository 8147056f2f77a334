# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's first check of a job id: a bad one is refused, with the form expected, before anything runs."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.fieldops.snowball.plugins.filter.snowball_job_id import snowball_job_id

JOB_ID = "JID123e4567-e89b-12d3-a456-426655440000"


def test_a_job_id_passes_unchanged():
    assert snowball_job_id(JOB_ID) == JOB_ID
    assert snowball_job_id("M" + JOB_ID[1:]) == "M" + JOB_ID[1:]


@pytest.mark.parametrize("value", [JOB_ID.upper(), JOB_ID + " ", JOB_ID[:-2] + ";$(id)", "../../../etc/passwd", "",
                                   None, 42])
def test_anything_else_is_refused_with_the_form_expected(value):
    with pytest.raises(AnsibleFilterError, match="job_id must be a Snowball job id.*for example " + JOB_ID):
        snowball_job_id(value)
