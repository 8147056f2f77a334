# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime

import botocore.exceptions
import botocore.session
import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _ids
from ansible_collections.fieldops.snowball.plugins.module_utils import _job

NOW = datetime.datetime(2026, 11, 24, 12, 0, tzinfo=datetime.timezone.utc)


def job(state="WithCustomer", age_days=3):
    return {"JobId": "JID123e4567-e89b-12d3-a456-426655440000", "JobState": state,
            "CreationDate": NOW - datetime.timedelta(days=age_days)}


def test_job_states_are_botocores():
    model = botocore.session.get_session().get_service_model("snowball")
    assert list(_job.JOB_STATES) == model.shape_for("JobState").enum
    assert set(_job.STATE_ADVICE) | {"WithCustomer"} == set(_job.JOB_STATES)


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


def test_with_customer_and_young_is_usable():
    assert _job.job_problem(job(), NOW) is None


def test_in_transit_says_not_delivered():
    problem = _job.job_problem(job("InTransitToCustomer"), NOW)
    assert "has not been delivered yet" in problem and "InTransitToCustomer" in problem


@pytest.mark.parametrize("state", [s for s in _job.JOB_STATES if s != "WithCustomer"])
def test_every_other_state_is_refused_with_its_name(state):
    assert "(state %s)" % state in _job.job_problem(job(state), NOW)


def test_credentials_expire_after_360_days():
    assert _job.job_problem(job(age_days=359), NOW) is None
    problem = _job.job_problem(job(age_days=360), NOW)
    assert "expired 360 days after creation" in problem and "contact AWS Support" in problem


@pytest.mark.parametrize("code,valid", [
    ("abcde-12345-ABCDE-fghij-67890", True),
    ("abcde-12345-ABCDE-fghij-6789", False),
    ("abcde_12345-ABCDE-fghij-67890", False),
    ("abcde-12345-ABCDE-fghij-67890-", False),
    ("abcde12345ABCDEfghij67890", False),
])
def test_unlock_code_form(code, valid):
    assert bool(_ids.UNLOCK_CODE_PATTERN.match(code)) is valid


def job_metadata(age_days=3, **extra):
    metadata = job(age_days=age_days)
    metadata.update(extra)
    return metadata


def test_long_term_pricing_job_is_not_refused_for_its_age():
    """JobMetadata.LongTermPricingId: the 360-day limit is AWS's to enforce for those."""
    assert _job.job_problem(job_metadata(age_days=400, LongTermPricingId="LTPID" + "0" * 36), NOW) is None
    assert "expired 360 days" in _job.job_problem(job_metadata(age_days=400), NOW)


def test_export_main_job_is_refused_with_its_parts():
    """DescribeJob of a main job lists its parts in SubJobMetadata; main ids start MID (BOTO)."""
    main = job_metadata(JobId="MID123e4567-e89b-12d3-a456-426655440000")
    parts = [{"JobId": "JID00000000-0000-0000-0000-000000000001"}, {"JobId": "JID00000000-0000-0000-0000-000000000002"}]
    problem = _job.job_problem(main, NOW, parts=parts)
    assert "export job's main job" in problem and all(part["JobId"] in problem for part in parts)
    assert "export job's main job" in _job.job_problem(main, NOW)


def test_aws_refusal_of_credentials_explains_the_360_day_rule():
    error = botocore.exceptions.ClientError(
        {"Error": {"Code": "InvalidJobStateException", "Message": "The credentials expired."}}, "GetJobUnlockCode")
    metadata = job_metadata(LongTermPricingId="LTPID" + "0" * 36,
                            CreationDate=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=400, hours=1))
    message = _job.aws_error(error, "GetJobUnlockCode", metadata["JobId"], "us-east-1", job=metadata).msg
    assert "360 days after the job was created" in message and "AWS Support" in message
    assert "long-term pricing LTPID" in message and "400 days ago" in message
