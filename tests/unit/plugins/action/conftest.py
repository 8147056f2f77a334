# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An action plugin of the collection built as ansible-core's task executor builds it, with the task, connection
and play context a test chooses; a shipped module is recorded instead of run."""

from __future__ import annotations

import types

import pytest

from ansible.parsing.vault import VaultSecret
from ansible.plugins.loader import shell_loader


class Shipped:
    """Stands in for ActionBase._execute_module: records what would be shipped, answers ``result``."""

    def __init__(self, result=None):
        self.calls = []
        self.result = result or dict(changed=False)

    def __call__(self, module_name=None, module_args=None, task_vars=None):  # pylint: disable=unused-argument
        self.calls.append((module_name, dict(module_args)))
        return dict(self.result)


def make_action(plugin, args, transport="local", become=False, loop=None, check_mode=False, vault_password=None,
                pipelining=True, environment=None):
    task = types.SimpleNamespace(args=dict(args), async_val=0, check_mode=check_mode, loop=loop, loop_with=None,
                                 environment=environment, action=plugin.__name__.rpartition(".")[2])
    become_plugin = types.SimpleNamespace(name="su", pipelining=False) if become == "su" else None
    connection = types.SimpleNamespace(transport=transport, _shell=shell_loader.get("sh"),
                                       become=become_plugin, has_pipelining=pipelining)
    play_context = types.SimpleNamespace(check_mode=check_mode, diff=False, become=bool(become))
    secrets = [("default", VaultSecret(vault_password.encode()))] if vault_password else []
    loader = types.SimpleNamespace(_vault=types.SimpleNamespace(secrets=secrets))
    templar = types.SimpleNamespace(template=lambda value: value)
    action = plugin.ActionModule(task, connection, play_context, loader, templar, None)
    action.shipped = Shipped()
    action._execute_module = action.shipped  # pylint: disable=protected-access
    return action


@pytest.fixture
def action_for():
    return make_action
