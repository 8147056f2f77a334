# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device-info action: the client's options are validated before anything runs, on either path."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleActionFail
from ansible_collections.fieldops.snowball.plugins.action import snowball_edge_device_info


@pytest.mark.parametrize("transport", ["local", "ssh"])
@pytest.mark.parametrize("args", [{}, dict(profile="bench", endpoint="192.0.2.10"), dict(profile="bench", colour="x")])
def test_arguments_the_module_refuses_stop_the_task_before_it_runs(action_for, transport, args):
    action = action_for(snowball_edge_device_info, args, transport=transport)
    with pytest.raises(AnsibleActionFail):
        action.run(task_vars={})
    assert action.shipped.calls == []


def test_it_takes_no_aws_options(action_for):
    action = action_for(snowball_edge_device_info, dict(profile="bench", region="us-east-1"), transport="ssh")
    assert "region" not in action.argument_spec()
    with pytest.raises(AnsibleActionFail):
        action.run(task_vars={})
