# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The forms of identifiers (job, cluster and unlock-code patterns, pinned to botocore's snowball model where it
states them), and the two profile-name rules: the client's and the AWS profile's."""

from __future__ import annotations

import botocore.session
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


def test_job_id_pattern_is_botocores():
    model = botocore.session.get_session().get_service_model("snowball")
    assert _ids.JOB_ID_PATTERN.pattern.rstrip("\\Z") == model.shape_for("JobId").metadata["pattern"]


@pytest.mark.parametrize("job_id", [
    "JID123e4567-e89b-12d3-a456-426655440000",
    "MID123e4567-e89b-12d3-a456-426655440000",
])
def test_valid_job_ids(job_id):
    assert _ids.job_id_problem(job_id) is None


@pytest.mark.parametrize("job_id", [
    "CID123e4567-e89b-12d3-a456-426655440000",   # a cluster id
    "JID123e4567-e89b-12d3-a456-42665544000",    # one short
    "JID123e4567-e89b-12d3-a456-4266554400000",  # one long
    "JID123E4567-E89B-12D3-A456-426655440000",   # upper-case hex
    " JID123e4567-e89b-12d3-a456-426655440000",  # whitespace
    "JID123e4567-e89b-12d3-a456-426655440000\n",
    "JID123e4567-e89b-12d3-a456-42665544000;",   # shell metacharacter
    "../../etc/passwd",
    "",
    None,
])
def test_invalid_job_ids_name_the_expected_form(job_id):
    problem = _ids.job_id_problem(job_id)
    assert _ids.JOB_ID_EXAMPLE in problem


@pytest.mark.parametrize("code,valid", [
    ("abcde-12345-ABCDE-fghij-67890", True),
    ("abcde-12345-ABCDE-fghij-6789", False),
    ("abcde_12345-ABCDE-fghij-67890", False),
    ("abcde-12345-ABCDE-fghij-67890-", False),
    ("abcde12345ABCDEfghij67890", False),
])
def test_unlock_code_form(code, valid):
    assert bool(_ids.UNLOCK_CODE_PATTERN.match(code)) is valid
