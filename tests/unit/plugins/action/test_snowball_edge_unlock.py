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


def test_a_shipped_wait_says_at_the_start_what_it_waits_for_and_how_long(action_for, capsys):
    action = action_for(snowball_edge_unlock, dict(TRANSIENT, timeout=600), transport="ssh")
    action.run(task_vars={"inventory_hostname": "bench"})
    assert "[bench] unlocking 192.0.2.10 and waiting up to 600s for UNLOCKED" in capsys.readouterr().err
