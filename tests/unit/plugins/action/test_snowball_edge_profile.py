# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profile action: the unlock code a task passes is masked in the loop item that carried it."""

from __future__ import annotations

from ansible_collections.fieldops.snowball.plugins.action import snowball_edge_profile
from ansible_collections.fieldops.snowball.plugins.plugin_utils._masking import MASK

CODE = "abcde-12345-ABCDE-fghij-67890"


def test_the_code_of_the_task_is_masked_in_its_loop_item(action_for):
    item = {"device": "bench", "secret": "pass %s on" % CODE.upper().replace("-", "")}
    item["code"] = CODE
    args = dict(name="bench", unlock_code=CODE, manifest_path="/tmp/m.bin", endpoint="192.0.2.10")
    action = action_for(snowball_edge_profile, args, transport="ssh", loop=[item])
    action.run(task_vars={"item": item})
    assert item["code"] == MASK and item["device"] == "bench"
    assert action.shipped.calls == [("fieldops.snowball.snowball_edge_profile", args)]


def test_a_loop_variable_of_another_name_is_masked_too(action_for):
    pair = [CODE, "bench"]
    args = dict(name="bench", unlock_code=CODE, manifest_path="/tmp/m.bin", endpoint="192.0.2.10")
    action_for(snowball_edge_profile, args, transport="ssh", loop=[pair]).run(
        task_vars={"ansible_loop_var": "device", "device": pair})
    assert pair == [MASK, "bench"]
