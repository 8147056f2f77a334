# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unlock action: a task that ships the unlock code sends it on standard input, never in a file."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleActionFail
from ansible_collections.fieldops.snowball.plugins.action import snowball_edge_unlock

CODE = "abcde-12345-ABCDE-fghij-67890"
TRANSIENT = dict(endpoint="192.0.2.10", manifest_path="/tmp/m.bin", unlock_code=CODE)


def test_a_shipped_code_is_pipelined_whatever_the_settings_say(action_for):
    action = action_for(snowball_edge_unlock, TRANSIENT, transport="ssh")
    action.run(task_vars={})
    assert action.shipped.calls == [("fieldops.snowball.snowball_edge_unlock", TRANSIENT)]
    assert action._is_pipelining_enabled("new") is True  # pylint: disable=protected-access


def test_a_become_method_that_cannot_pipeline_the_code_is_refused(action_for):
    action = action_for(snowball_edge_unlock, TRANSIENT, transport="ssh", become="su")
    action.run(task_vars={})
    with pytest.raises(AnsibleActionFail, match="cannot pipeline it, so the secret would be written to a file"):
        action._is_pipelining_enabled("new")  # pylint: disable=protected-access


def test_a_saved_profile_ships_no_secret_and_keeps_ansible_cores_choice(action_for):
    action = action_for(snowball_edge_unlock, dict(profile="bench"), transport="ssh", pipelining=False)
    action.run(task_vars={})
    assert action._ships_secret is False  # pylint: disable=protected-access


def _registered_code_item():
    return {"item": "bench", "unlock_code": CODE, "changed": False, "_ansible_no_log": True}


@pytest.mark.parametrize("transport", ["local", "ssh"])
def test_async_is_refused_with_its_reason_after_the_loop_item_is_masked(action_for, transport):
    item = _registered_code_item()
    action = action_for(snowball_edge_unlock, dict(TRANSIENT, unlock_code="{{ item.unlock_code }}"),
                        transport=transport, loop=[item])
    action._task.async_val = 900  # pylint: disable=protected-access
    with pytest.raises(AnsibleActionFail, match="does not run with async: .* to a file"):
        action.run(task_vars={"item": item})
    assert item["unlock_code"] == "********"
    assert action.shipped.calls == []


def test_ansible_cores_own_refusal_masks_the_loop_item_first(action_for, monkeypatch):
    item = _registered_code_item()

    def refuse(self, tmp=None, task_vars=None):  # pylint: disable=unused-argument
        raise AnsibleActionFail("This action (snowball_edge_unlock) does not support check mode.")

    monkeypatch.setattr("ansible.plugins.action.ActionBase.run", refuse)
    action = action_for(snowball_edge_unlock, TRANSIENT, transport="ssh", loop=[item])
    with pytest.raises(AnsibleActionFail, match="does not support check mode"):
        action.run(task_vars={"item": item})
    assert item["unlock_code"] == "********"


def test_an_unexpected_exception_is_a_failed_result_without_the_code(action_for, monkeypatch):
    item = _registered_code_item()

    def crash(self, task_vars, overrides=None):  # pylint: disable=unused-argument
        raise ValueError("cannot use %s here" % CODE)

    monkeypatch.setattr(type(action_for(snowball_edge_unlock, TRANSIENT)), "execute", crash)
    action = action_for(snowball_edge_unlock, TRANSIENT, transport="ssh", loop=[item])
    result = action.run(task_vars={"item": item})
    assert item["unlock_code"] == "********" and result["failed"]
    assert CODE not in result["msg"] and CODE not in result["exception"] and "ValueError" in result["msg"]


def test_a_shipped_modules_raw_output_is_masked(action_for):
    action = action_for(snowball_edge_unlock, TRANSIENT, transport="ssh")
    echoed = '{"ANSIBLE_MODULE_ARGS": {"unlock_code": "%s"}}' % CODE
    action.shipped.result = dict(failed=True, msg="MODULE FAILURE", module_stdout=echoed,
                                 module_stderr="error near %s" % CODE, rc=1)
    result = action.run(task_vars={})
    assert CODE not in repr(result) and "MODULE FAILURE" in result["msg"]
    assert result["module_stdout"] == echoed.replace(CODE, "********")


def test_a_shipped_wait_says_at_the_start_what_it_waits_for_and_how_long(action_for, capsys):
    action = action_for(snowball_edge_unlock, dict(TRANSIENT, timeout=600), transport="ssh")
    action.run(task_vars={"inventory_hostname": "bench"})
    assert "[bench] unlocking 192.0.2.10 and waiting up to 600s for UNLOCKED" in capsys.readouterr().err
