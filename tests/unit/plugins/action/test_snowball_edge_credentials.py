# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credentials action: a result without the unlock code is not censored, and the in-process variable can send
the module to the controller as a shipped module."""

from __future__ import annotations

from ansible_collections.fieldops.snowball.plugins.action import snowball_edge_credentials

ARGS = dict(profile="bench", aws_profile="snowball-bench")


def test_the_in_process_variable_false_ships_the_module_to_the_controller(action_for):
    action = action_for(snowball_edge_credentials, ARGS)
    action.shipped.result = dict(changed=True, aws_profile="snowball-bench", access_key_id="AKIAEXAMPLE")
    result = action.run(task_vars={"fieldops_snowball_in_process": "false"})
    assert action.shipped.calls == [("fieldops.snowball.snowball_edge_credentials", ARGS)]
    assert result["access_key_id"] == "AKIAEXAMPLE" and "_ansible_no_log" not in result


def test_a_shipped_failure_is_passed_on_as_the_module_said_it(action_for):
    action = action_for(snowball_edge_credentials, ARGS, transport="ssh")
    action.shipped.result = dict(failed=True, msg="The device answered no access key.")
    result = action.run(task_vars={})
    assert result["failed"] and result["msg"] == "The device answered no access key."
