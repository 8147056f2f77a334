# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-process path's AWS clients: built from the task's options as amazon.aws builds them, on botocore
data files parsed once per ansible-playbook run (plugin_utils/_action.py, warm_aws_loader)."""

from __future__ import annotations

import pytest

from ansible_collections.amazon.aws.plugins.module_utils.botocore import _get_user_agent_string
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.plugin_utils import _action


def options(**values):
    params = {key: None for key in aws_argument_spec()}
    params.update(values)
    return _action.ActionContext(params, check_mode=False, diff=False)


def test_clients_of_two_tasks_share_the_parsed_data_files_and_call_the_api(site):
    job_id = site.add_device()
    _action.warm_aws_loader("snowball")
    first = options(region="us-east-1", endpoint_url=site.endpoint_url).aws_client("snowball")
    second = options(region="eu-west-1", endpoint_url=site.endpoint_url).aws_client("snowball")
    loader = first._loader  # pylint: disable=protected-access
    assert loader is second._loader  # pylint: disable=protected-access
    assert loader is next(iter(_action._SHARED_LOADERS.values()))  # pylint: disable=protected-access
    # boto3 adds its data directory on every session: the shared loader's search path does not grow
    searched = list(loader.search_paths)
    options(region="us-east-1", endpoint_url=site.endpoint_url).aws_client("snowball")
    assert loader.search_paths == searched
    # each client keeps its own task's options, and amazon.aws's user agent
    assert (first.meta.region_name, second.meta.region_name) == ("us-east-1", "eu-west-1")
    assert _get_user_agent_string() in first.meta.config.user_agent
    assert first.describe_job(JobId=job_id)["JobMetadata"]["JobState"] == "WithCustomer"


def test_a_missing_region_says_how_to_give_one(site, monkeypatch):
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", site.root + "/no-aws-config")
    with pytest.raises(SnowballError, match="No AWS region was given: set the region option"):
        options(endpoint_url=site.endpoint_url).aws_client("snowball")


def test_an_unknown_profile_is_a_snowball_error(site, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_CONFIG_FILE", site.root + "/no-aws-config")
    with pytest.raises(SnowballError, match="Could not create the AWS client"):
        options(region="us-east-1", profile="nobody", endpoint_url=site.endpoint_url).aws_client("snowball")
