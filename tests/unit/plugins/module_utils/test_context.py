# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task context both shells share, and ``finish``: the one place a shell turns run(ctx) into its result."""

from __future__ import annotations

import types

from ansible_collections.fieldops.snowball.plugins.module_utils._context import TaskContext
from ansible_collections.fieldops.snowball.plugins.module_utils._context import finish
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError


def context():
    aws = types.SimpleNamespace(region="eu-west-1", client=lambda service, retry_decorator=None: (service, retry_decorator))
    return TaskContext({"job_id": "JID1"}, check_mode=True, diff=False, aws=aws)


def test_the_context_hands_out_the_shells_aws_connection():
    ctx = context()
    assert ctx.region == "eu-west-1" and ctx.aws_client("snowball", retry_decorator="r") == ("snowball", "r")
    assert (ctx.params, ctx.check_mode, ctx.diff) == ({"job_id": "JID1"}, True, False)


def test_a_result_has_changed_and_its_secrets_masked():
    def run(ctx):
        ctx.add_secret("hunter2")
        return dict(said="the word is hunter2")
    assert finish(run, context()) == {"said": "the word is ********", "changed": False}


def test_a_snowball_error_is_a_failed_result_with_its_facts_and_secrets_masked():
    def run(ctx):
        ctx.add_secret("hunter2")
        raise SnowballError("Could not use hunter2 for job JID1.", job_id="JID1")
    assert finish(run, context()) == {"failed": True, "msg": "Could not use ******** for job JID1.",
                                      "job_id": "JID1", "changed": False}
