# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-process path's AWS clients: built from the task's options as amazon.aws builds them, on botocore
data files parsed once per ansible-playbook run (warm_aws_loader)."""

from __future__ import annotations

import pytest

from ansible_collections.amazon.aws.plugins.module_utils.botocore import _get_user_agent_string
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.plugin_utils import _in_process


def options(**values):
    params = {key: None for key in aws_argument_spec()}
    params.update(values)
    return _in_process.ActionContext(params, check_mode=False, diff=False)


def test_clients_of_two_tasks_share_the_parsed_data_files_and_call_the_api(site):
    job_id = site.add_device()
    _in_process.warm_aws_loader("snowball")
    first = options(region="us-east-1", endpoint_url=site.endpoint_url).aws_client("snowball")
    second = options(region="eu-west-1", endpoint_url=site.endpoint_url).aws_client("snowball")
    loader = first._loader  # pylint: disable=protected-access
    assert loader is second._loader  # pylint: disable=protected-access
    assert loader is next(iter(_in_process._SHARED_LOADERS.values()))  # pylint: disable=protected-access
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


def test_a_result_on_the_in_process_path_masks_what_the_module_masks(tmp_path):
    """The values of no_log options and the secrets the logic named are masked in the result and the
    invocation, and a result naming a file gets the file facts AnsibleModule.exit_json adds."""
    dest = tmp_path / "code.txt"
    dest.write_text("x")
    dest.chmod(0o600)

    class Module:
        @staticmethod
        def run(ctx):
            ctx.add_secret("from-the-logic")
            return dict(changed=True, dest=str(dest), said="token from-the-logic and hunter2")

    spec = dict(password=dict(type="str", no_log=True), dest=dict(type="path"))
    result = _in_process.run_in_process(Module, dict(password="hunter2", dest=str(dest)), spec, False, False)
    assert result["said"] == "token ******** and ********"
    assert result["invocation"] == {"module_args": {"password": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER",
                                                    "dest": str(dest)}}
    assert (result["state"], result["mode"], result["size"]) == ("file", "0600", 1)


def test_a_snowball_error_of_the_logic_is_a_failed_result_with_its_facts():
    class Module:
        @staticmethod
        def run(_ctx):
            raise SnowballError("Job JID1 is not usable.", job_id="JID1")

    result = _in_process.run_in_process(Module, {}, {}, False, False)
    assert result["failed"] and result["msg"] == "Job JID1 is not usable." and result["job_id"] == "JID1"


def test_the_context_runs_a_command_without_a_shell_and_reports_one_that_cannot_start(tmp_path):
    ctx = _in_process.ActionContext({}, check_mode=False, diff=False)
    rc, out, _err = ctx.run_command(["sh", "-c", 'printf "%s" "$GREETING"'], environ_update={"GREETING": "hi; ls"})
    assert (rc, out) == (0, "hi; ls")
    with pytest.raises(SnowballError, match="Could not run .*missing"):
        ctx.run_command([str(tmp_path / "missing")])
