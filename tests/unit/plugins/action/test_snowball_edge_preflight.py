# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight action: its arguments are validated on both paths, and it ships no secret."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleActionFail
from ansible_collections.fieldops.snowball.plugins.action import snowball_edge_preflight


def test_a_task_for_another_host_ships_the_module_with_its_arguments(action_for):
    args = dict(endpoint="192.0.2.10", wait_for_device=60)
    action = action_for(snowball_edge_preflight, args, transport="ssh")
    action.run(task_vars={})
    assert action.shipped.calls == [("fieldops.snowball.snowball_edge_preflight", args)]
    assert action._ships_secret is False  # pylint: disable=protected-access


def test_a_task_without_an_endpoint_is_refused_before_anything_runs(action_for):
    action = action_for(snowball_edge_preflight, dict(client="snowballEdge"), transport="ssh")
    with pytest.raises(AnsibleActionFail, match="endpoint"):
        action.run(task_vars={})
    assert action.shipped.calls == []
