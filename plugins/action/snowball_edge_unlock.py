# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs snowball_edge_unlock in the controller's worker process when the task targets the controller (see plugin_utils/_action.py)."""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.utils.display import Display
from ansible_collections.fieldops.snowball.plugins.module_utils._progress import INTERRUPT_ADVICE
from ansible_collections.fieldops.snowball.plugins.modules import snowball_edge_unlock
from ansible_collections.fieldops.snowball.plugins.plugin_utils._action import SnowballAction

display = Display()


class ActionModule(SnowballAction):
    MODULE = snowball_edge_unlock
    AWS = False

    def execute(self, task_vars, overrides=None):
        if not self.in_process(task_vars):
            # In-process, the Unlocker reports as it waits; a shipped module prints nothing until it ends, so say
            # now what it waits for and how long at most.
            self.announce_shipped_wait(task_vars)
        return super().execute(task_vars, overrides)

    def announce_shipped_wait(self, task_vars):
        args = self._task.args
        if not boolean(args.get("wait", True), strict=False) or self._play_context.check_mode:
            return
        device = args.get("endpoint") or "the device of client profile %s" % args.get("profile")
        nodes = args.get("cluster_ips") or []
        awaited = "%s and cluster nodes %s" % (device, ", ".join(map(str, nodes))) if nodes else device
        host = task_vars.get("inventory_hostname")
        display.display("[%s] unlocking %s and waiting up to %ss for UNLOCKED; the module runs on %s and reports "
                        "when it ends. %s" % (host, awaited, args.get("timeout", 900), host, INTERRUPT_ADVICE), stderr=True)
