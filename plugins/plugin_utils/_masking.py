# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Masking the unlock code (and any secret a task names) in results, loop items and text, with the one MASK."""

from __future__ import annotations

import re

from ansible_collections.fieldops.snowball.plugins.module_utils._context import MASK
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import UNLOCK_CODE_PATTERN

# Result keys that carry a secret: such a result is censored in every output, whatever the task says.
SECRET_KEYS = ("unlock_code",)
# Result keys of raw output, as ansible-core passes it on when a module's output is not its JSON answer.
RAW_OUTPUT_KEYS = ("module_stdout", "module_stderr", "stdout", "stderr", "stdout_lines", "stderr_lines", "exception")
# A value of the unlock code's documented form inside any text, not part of a longer run.
_CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9-])%s(?![A-Za-z0-9-])" % UNLOCK_CODE_PATTERN.pattern[:-len(r"\Z")])


def carries_secret(result):
    """Whether ``result`` holds a value that must be censored in every output."""
    return any(key in result for key in SECRET_KEYS)


def secrets_of(result):
    return {result[key] for key in SECRET_KEYS if isinstance(result.get(key), str)}


def masked_text(text, secrets):
    for secret in secrets:
        text = text.replace(secret, MASK)
    return _CODE_IN_TEXT.sub(MASK, text)


def masked_copy(value, secrets):
    if isinstance(value, str):
        return masked_text(value, secrets)
    if isinstance(value, dict):
        return {masked_copy(key, secrets): masked_copy(entry, secrets) for key, entry in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked_copy(entry, secrets) for entry in value]
    return value


def mask_in_place(value, secrets):
    """Mask the secrets in a (mutable) value in place; False when a secret is left that cannot be masked
    that way (a string or a tuple holding one)."""
    if isinstance(value, str):
        return masked_text(value, secrets) == value
    if isinstance(value, tuple):
        return masked_copy(value, secrets) == list(value)
    if isinstance(value, dict):
        for key in list(value):
            entry = value.pop(key)
            value[masked_copy(key, secrets)] = masked_copy(entry, secrets) if isinstance(entry, (str, tuple)) else entry
            mask_in_place(entry, secrets)
        return True
    if isinstance(value, list):
        for index, entry in enumerate(value):
            if isinstance(entry, (str, tuple)):
                value[index] = masked_copy(entry, secrets)
            else:
                mask_in_place(entry, secrets)
        return True
    return True


def mask_loop_item(task_vars, result, secrets):
    """Mask the unlock code in the loop item, so that a loop over registered results stays quiet.

    After the action plugin returns, ansible-core's task executor attaches the loop item to the result (``item``,
    shown from -v on and by every callback) and builds the ``(item=...)`` label from it, or from
    ``loop_control.label`` templated with it. The item is usually the registered result of
    snowball_unlock_code, code included. The item is the worker's own object (the worker runs this one
    task and exits), so it is masked in place, after use, as a module masks its no_log values: the label,
    ``item`` and a failure's message stay readable. An item that cannot be changed (the bare code as a
    string) censors the whole result instead. ``loop_control.extended`` also shows the other items: they
    are replaced by masked copies."""
    secrets = secrets | secrets_of(result)
    if not mask_in_place(task_vars.get(task_vars.get("ansible_loop_var") or "item"), secrets):
        result["_ansible_no_log"] = True
    extended = task_vars.get("ansible_loop")
    if isinstance(extended, dict):
        for key in ("allitems", "previtem", "nextitem"):
            if key in extended:
                extended[key] = masked_copy(extended[key], secrets)


def mask_raw_output(result, secrets):
    """``result`` with the secrets masked in its raw output, and everywhere in a failed one (which never
    carries a value the user needs in clear)."""
    if result.get("failed"):
        return masked_copy(result, secrets)
    return dict(result, **{key: masked_copy(result[key], secrets) for key in RAW_OUTPUT_KEYS if key in result})
