# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs snowball_unlock_code in the controller's worker process when the task
targets the controller (see plugin_utils/_action.py), and censors a result
that carries the code, as ansible-core's include_vars does, even when the
task does not say no_log. Failures stay readable: their messages never carry
the code. Failures are raised as SnowballError, which the action base
(plugin_utils/_action.py) turns into the failed result.

With ``vault: true`` it writes the code, encrypted with the vault secret the
play was started with, to ``dest`` on the controller, and returns it no more:
that result is not censored.
"""

from __future__ import annotations

import os

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_bytes
from ansible.parsing.vault import VaultLib
from ansible.parsing.vault import is_encrypted
from ansible.parsing.vault import match_encrypt_secret
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._files import check_private_destination
from ansible_collections.fieldops.snowball.plugins.module_utils._files import read_bytes
from ansible_collections.fieldops.snowball.plugins.module_utils._files import replace_private_file
from ansible_collections.fieldops.snowball.plugins.modules import snowball_unlock_code
from ansible_collections.fieldops.snowball.plugins.plugin_utils._action import SnowballAction
from ansible_collections.fieldops.snowball.plugins.plugin_utils._in_process import warm_aws_loader

# Here, in ansible-playbook itself, once: its workers inherit the parsed data files (see warm_aws_loader).
warm_aws_loader("snowball")


class ActionModule(SnowballAction):
    MODULE = snowball_unlock_code
    AWS = True

    def execute(self, task_vars, overrides=None):
        # Validated here first, so that a vault option that is not a boolean is refused
        # before anything is fetched or written.
        params = self.validated()
        if not params["vault"]:
            return super().execute(task_vars)
        dest = os.path.abspath(os.path.expanduser(params["dest"]))
        vault = self._vault()
        check_private_destination(dest, missing_parent_ok=True)
        _readable_or_absent(vault, dest)  # before any AWS call: a refusal costs nothing
        result = super().execute(task_vars, overrides=dict(vault=None, dest=None))
        code = result.pop("unlock_code", None)
        result.pop("_ansible_no_log", None)
        if code is None:
            return result
        try:
            written = self._write_vaulted(vault, dest, code)
        except (AnsibleError, SnowballError, OSError) as error:
            raise SnowballError("Could not write the vault-encrypted unlock code to %s: %s" % (dest, error),
                                dest=dest) from None
        result.update(dest=dest, changed=written or result.get("changed", False))
        return result

    def _vault(self):
        secrets = self._loader._vault.secrets  # pylint: disable=protected-access
        if not secrets:
            raise SnowballError("vault=true needs the play's vault secret: start it with --vault-id, "
                                "--vault-password-file or --ask-vault-pass.")
        return VaultLib(secrets)

    def _write_vaulted(self, vault, path, code):
        """Encrypt ``code`` into ``path``; False when the file already holds it."""
        current = _readable_or_absent(vault, path)
        if current is not None and current == to_bytes(code):
            return False
        if self._play_context.check_mode:
            return True
        vault_id, secret = match_encrypt_secret(vault.secrets, encrypt_vault_id=C.DEFAULT_VAULT_ENCRYPT_IDENTITY)
        replace_private_file(path, vault.encrypt(code, secret=secret, vault_id=vault_id), mode=0o600,
                             create_parent=True)
        return True


def _readable_or_absent(vault, path):
    """The plaintext of the vault file at ``path``, or None when there is none (or it is not a vault file,
    which is replaced). A vault file this play's secret cannot open is refused: it was written with another
    secret, and the on-site unlock, offline, will use that one; replacing it would lock the engineer out."""
    current = read_bytes(path)
    if current is None or not is_encrypted(current):
        return None
    try:
        return vault.decrypt(current)
    except AnsibleError:
        raise SnowballError("%s is encrypted with another vault secret than this play's, and the on-site unlock "
                            "will need that secret: it was left untouched and nothing was written. Run again with "
                            "the vault secret it was written with, or, to encrypt it with this one, remove the file "
                            "first." % path, dest=path) from None
