# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation of where a module's logic runs: in Ansible's worker on the controller, or shipped as a module."""

from __future__ import annotations


class ModuleDocFragment:
    # How every module of the collection runs: in the worker on the controller, shipped elsewhere.
    DOCUMENTATION = r"""
options: {}
notes:
  - When the task runs on the controller itself (a local connection, no become, not async), the module's action
    plugin runs its logic in Ansible's worker process instead of shipping the module, so no module process is
    started and no file holding its arguments is written. Set the variable C(fieldops_snowball_in_process=false)
    to ship it anyway. Both ways give the same results.
"""
