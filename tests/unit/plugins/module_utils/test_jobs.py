# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When AWS releases a job's manifest and code, and what the job calls say when it does not; botocore's model
("BOTO") is the source of the states and of the paginators."""

from __future__ import annotations

import datetime

import botocore.exceptions
import botocore.session
import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _aws_errors
from ansible_collections.fieldops.snowball.plugins.module_utils import _jobs
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError

NOW = datetime.datetime(2026, 11, 24, 12, 0, tzinfo=datetime.timezone.utc)


def job(state="WithCustomer", age_days=3, **extra):
    metadata = {"JobId": "JID123e4567-e89b-12d3-a456-426655440000", "JobState": state,
                "CreationDate": NOW - datetime.timedelta(days=age_days)}
    metadata.update(extra)
    return metadata


def test_job_states_are_botocores():
    model = botocore.session.get_session().get_service_model("snowball")
    assert list(_jobs.JOB_STATES) == model.shape_for("JobState").enum
    assert set(_jobs.STATE_ADVICE) | {"WithCustomer"} == set(_jobs.JOB_STATES)


def test_with_customer_and_young_is_usable():
    assert _jobs.job_problem(job(), NOW) is None


def test_in_transit_says_not_delivered():
    problem = _jobs.job_problem(job("InTransitToCustomer"), NOW)
    assert "has not been delivered yet" in problem and "InTransitToCustomer" in problem


@pytest.mark.parametrize("state", [s for s in _jobs.JOB_STATES if s != "WithCustomer"])
def test_every_other_state_is_refused_with_its_name(state):
    assert "(state %s)" % state in _jobs.job_problem(job(state), NOW)


def test_a_job_in_progress_says_exporting_or_importing_by_its_type():
    exporting = _jobs.job_problem(job("InProgress", JobType="EXPORT"), NOW)
    assert "exporting the data onto the device" in exporting and "Run again once" in exporting
    assert "importing" in _jobs.job_problem(job("InProgress", JobType="IMPORT"), NOW)


def test_credentials_expire_after_360_days():
    assert _jobs.job_problem(job(age_days=359), NOW) is None
    problem = _jobs.job_problem(job(age_days=360), NOW)
    assert "expired 360 days after creation" in problem and "contact AWS Support" in problem


def test_long_term_pricing_job_is_not_refused_for_its_age():
    """JobMetadata.LongTermPricingId: the 360-day limit is AWS's to enforce for those."""
    assert _jobs.job_problem(job(age_days=400, LongTermPricingId="LTPID" + "0" * 36), NOW) is None
    assert "expired 360 days" in _jobs.job_problem(job(age_days=400), NOW)


def test_export_main_job_is_refused_with_its_parts():
    """DescribeJob of a main job lists its parts in SubJobMetadata; main ids start MID (BOTO)."""
    main = job(JobId="MID123e4567-e89b-12d3-a456-426655440000")
    parts = [{"JobId": "JID00000000-0000-0000-0000-000000000001"}, {"JobId": "JID00000000-0000-0000-0000-000000000002"}]
    problem = _jobs.job_problem(main, NOW, parts=parts)
    assert "export job's main job" in problem and all(part["JobId"] in problem for part in parts)
    assert "export job's main job" in _jobs.job_problem(main, NOW)


def refused(code, operation, resource, job_metadata=None, message="The credentials expired."):
    error = botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)
    return _aws_errors.aws_error(error, operation, resource, "us-east-1",
                                 explain=_jobs.refusal_explainer(operation, resource, job_metadata))


def test_aws_refusal_of_credentials_explains_the_360_day_rule():
    metadata = job(LongTermPricingId="LTPID" + "0" * 36,
                   CreationDate=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=400, hours=1))
    message = refused("InvalidJobStateException", "GetJobUnlockCode", metadata["JobId"], metadata).msg
    assert "360 days after the job was created" in message and "AWS Support" in message
    assert "long-term pricing LTPID" in message and "400 days ago" in message


def test_aws_not_finding_a_main_job_says_to_use_a_part():
    error = refused("InvalidResourceException", "GetJobUnlockCode", "MID123e4567-e89b-12d3-a456-426655440000")
    assert "export job's main job (MID)" in error.msg and error.facts["error_code"] == "InvalidResourceException"


def test_a_refused_describe_is_not_explained_as_the_360_day_rule():
    error = refused("InvalidJobStateException", "DescribeJob", "JID123e4567-e89b-12d3-a456-426655440000", job())
    assert "360 days" not in error.msg and "The credentials expired." in error.msg


class PagingClient:
    """A client that answers ListJobs in pages of two, as botocore's paginator asks for them (BOTO
    paginators-1.json: NextToken in and out, JobListEntries)."""

    def __init__(self, entries, fail_with=None):
        self.entries = entries
        self.fail_with = fail_with
        self.tokens = []
        session = botocore.session.get_session()
        self.real = session.create_client("snowball", region_name="us-east-1", aws_access_key_id="k",
                                          aws_secret_access_key="s")

    def get_paginator(self, name):
        paginator = self.real.get_paginator(name)
        paginator._method = self.page  # pylint: disable=protected-access
        return paginator

    def page(self, **params):
        if self.fail_with:
            raise self.fail_with
        self.tokens.append(params.get("NextToken"))
        start = int(params.get("NextToken") or 0)
        answer = {"JobListEntries": self.entries[start:start + 2]}
        if start + 2 < len(self.entries):
            answer["NextToken"] = str(start + 2)
        return answer


class Ctx:
    region = "us-east-1"

    def __init__(self, client):
        self.client = client

    def aws_client(self, _service, retry_decorator=None):  # pylint: disable=unused-argument
        return self.client


def test_list_jobs_follows_every_page_of_botocores_paginator():
    entries = [{"JobId": "JID%d" % n, "JobState": "WithCustomer"} for n in range(5)]
    client = PagingClient(entries)
    assert _jobs.SnowballJobs(Ctx(client)).list_jobs() == entries
    assert client.tokens == [None, "2", "4"]


def test_a_failed_listing_is_explained_with_its_request_id(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # the retry back-off, not synchronisation
    error = botocore.exceptions.ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "no"},
         "ResponseMetadata": {"RequestId": "0f5e8a2c-1111-2222-3333-444455556666", "HTTPStatusCode": 400}},
        "ListClusterJobs")
    with pytest.raises(SnowballError) as raised:
        _jobs.SnowballJobs(Ctx(PagingClient([], fail_with=error))).cluster_jobs("CID1")
    assert "allow snowball:ListClusterJobs" in raised.value.msg
    assert raised.value.facts == {"error_code": "AccessDeniedException",
                                  "request_id": "0f5e8a2c-1111-2222-3333-444455556666"}
