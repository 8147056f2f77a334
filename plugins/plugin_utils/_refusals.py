# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tasks the collection's action plugins refuse before anything runs, each with the reason: an ansible-core
older than the one its secrecy is tested on, and ``async``."""

from __future__ import annotations

import re

from ansible.errors import AnsibleActionFail
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

# meta/runtime.yml's requires_ansible. Below it ansible-core only warns, and older cores show the unlock code
# in loops (their loop item and label handling differs): the collection's promise starts here.
MINIMUM_ANSIBLE_CORE = (2, 19)


def core_version_tuple(version):
    """The leading numbers of an ansible-core version string: '2.19.0rc1' -> (2, 19, 0)."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("rc")[0].split("b")[0])[:3])


def refuse_unsupported(task, version=None):
    """Raise AnsibleActionFail for a task this collection does not run; its message says why and what to do."""
    version = version or ANSIBLE_CORE_VERSION
    if core_version_tuple(version) < MINIMUM_ANSIBLE_CORE:
        raise AnsibleActionFail(
            "fieldops.snowball needs ansible-core %s or later (this is %s): older cores can print the unlock code "
            "in loops. Install a supported one, for example: pip install 'ansible-core>=%s'."
            % (".".join(map(str, MINIMUM_ANSIBLE_CORE)), version, ".".join(map(str, MINIMUM_ANSIBLE_CORE))))
    if task.async_val:
        raise AnsibleActionFail(
            "%s does not run with async: Ansible's async wrapper writes the module with its arguments (secrets "
            "such as the unlock code among them) to a file and keeps its result in ~/.ansible_async. Remove async "
            "and poll from the task: the unlock waits for the device by itself (its timeout option) and the role "
            "runs the devices of a play in parallel forks." % task.action)
