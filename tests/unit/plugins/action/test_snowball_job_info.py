# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The job-info action: amazon.aws's connection options, the task's environment, and AWS's refusals as failed
results that keep the request id."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleActionFail
from ansible_collections.fieldops.snowball.plugins.action import snowball_job_info
from ansible_collections.fieldops.snowball.plugins.plugin_utils import _refusals


def test_it_takes_amazon_aws_connection_options_and_lists_in_process(site, action_for):
    ids = [site.add_device(ip="192.0.2.%d" % n) for n in (1, 2)]
    action = action_for(snowball_job_info, dict(endpoint_url=site.endpoint_url, region="us-east-1"))
    assert {"region", "endpoint_url", "profile", "aws_ca_bundle"} <= set(action.argument_spec())
    result = action.run(task_vars={})
    assert sorted(job["job_id"] for job in result["jobs"]) == sorted(ids) and "_ansible_no_log" not in result


def test_the_task_environment_reaches_the_aws_client(site, action_for, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    job_id = site.add_device()
    action = action_for(snowball_job_info, dict(job_id=job_id, endpoint_url=site.endpoint_url),
                        environment=[{"AWS_REGION": "us-east-1"}])
    assert action.run(task_vars={})["jobs"][0]["job_id"] == job_id


def test_an_aws_refusal_is_a_failed_result_with_its_code_and_request_id(site, action_for):
    action = action_for(snowball_job_info, dict(job_id="JID00000000-0000-0000-0000-000000000000",
                                                endpoint_url=site.endpoint_url, region="us-east-1"))
    result = action.run(task_vars={})
    assert result["failed"] and result["error_code"] == "InvalidResourceException"
    assert result["request_id"] and "AWS request id: %s" % result["request_id"] in result["msg"]


def test_an_older_ansible_core_is_refused_before_anything_runs(action_for, monkeypatch):
    monkeypatch.setattr(_refusals, "ANSIBLE_CORE_VERSION", "2.18.19")
    action = action_for(snowball_job_info, dict(job_id="JID12345678-1234-1234-1234-123456789012"), transport="ssh")
    with pytest.raises(AnsibleActionFail, match=r"needs ansible-core 2\.19 or later \(this is 2\.18\.19\)"):
        action.run(task_vars={})
    assert action.shipped.calls == []
