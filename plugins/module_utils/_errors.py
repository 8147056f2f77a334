# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type of the collection's shared code.

Shared code never calls fail_json or raises AnsibleError: it raises
SnowballError, and the shells (a module's main(), an action plugin, a lookup
or filter) turn it into a failed result in one place each.
"""

from __future__ import annotations


class SnowballError(Exception):
    """A problem the user can act on.

    The message says what happened and what to do next, and never holds a
    secret; ``facts`` are secret-free values a failed task returns beside it
    (job_id, job_state, devices, path ...).
    """

    def __init__(self, msg, **facts):
        super().__init__(msg)
        self.msg = msg
        self.facts = facts
