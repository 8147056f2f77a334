# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS modules' session token: from AWS_SESSION_TOKEN, or from AWS_SECURITY_TOKEN as AWX exports it."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.fieldops.snowball.plugins.module_utils._aws_options import SESSION_TOKEN_OPTION
from ansible_collections.fieldops.snowball.plugins.module_utils._aws_options import with_aws_options


def session_token(**given):
    result = ArgumentSpecValidator(SESSION_TOKEN_OPTION).validate(given)
    assert result.error_messages == []
    return result.validated_parameters["session_token"]


def test_a_token_exported_as_aws_security_token_is_the_session_token(monkeypatch):
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "token-from-awx")
    assert session_token() == "token-from-awx"


def test_aws_session_token_and_the_task_come_first(monkeypatch):
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "older")
    assert session_token() == "session"
    assert session_token(aws_session_token="given") == "given"


def test_the_token_is_kept_out_of_logs():
    assert SESSION_TOKEN_OPTION["session_token"]["no_log"] is True


def test_the_modules_own_options_stay_beside_it():
    assert set(with_aws_options({"job_id": {"type": "str"}})) == {"job_id", "session_token"}
