# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Censor the unlock code in every output, whatever the task says.

A module cannot mark its own result as no_log (Ansible strips ``_ansible_*``
keys a module returns), so this action plugin runs the module and sets
``_ansible_no_log`` on a result that carries the code, as ansible-core's
include_vars does. Failures are left readable: their messages never carry the
code, and a censored failure would leave the engineer blind.

With ``vault: true`` it writes the code, encrypted with the vault secret the
play was started with, to ``dest`` on the controller, and returns it no more:
that result is not censored.
"""

from __future__ import annotations

import os

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_bytes
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.parsing.vault import VaultLib
from ansible.parsing.vault import match_encrypt_secret
from ansible.plugins.action import ActionBase
from ansible_collections.fieldops.snowball.plugins.module_utils._files import PrivateFileError
from ansible_collections.fieldops.snowball.plugins.module_utils._files import read_bytes
from ansible_collections.fieldops.snowball.plugins.module_utils._files import replace_private_file

MODULE = "fieldops.snowball.snowball_unlock_code"


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        vault = boolean(module_args.pop("vault", False), strict=False)
        vault_dest = module_args.pop("dest", None) if vault else None
        if vault and not vault_dest:
            return dict(result, failed=True, msg="vault=true needs dest: the controller path of the encrypted file.")

        result.update(self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars))
        if "unlock_code" not in result:
            return result
        if not vault:
            result["_ansible_no_log"] = True  # the result carries the code
            return result
        code = result.pop("unlock_code")
        dest = self._expand(vault_dest)
        try:
            written = self._write_vaulted(dest, code)
        except (AnsibleError, PrivateFileError, OSError) as error:
            return dict(failed=True, msg="Could not write the vault-encrypted unlock code to %s: %s" % (dest, error))
        result.update(dest=dest, changed=written or result.get("changed", False))
        return result

    @staticmethod
    def _expand(path):
        return os.path.abspath(os.path.expanduser(path))

    def _write_vaulted(self, path, code):
        """Encrypt ``code`` into ``path``; False when the file already holds it."""
        secrets = self._loader._vault.secrets  # pylint: disable=protected-access
        if not secrets:
            raise AnsibleError("the play has no vault secret: start it with --vault-id, --vault-password-file "
                               "or --ask-vault-pass.")
        vault = VaultLib(secrets)
        current = read_bytes(path)
        if current is not None:
            try:
                if vault.decrypt(current) == to_bytes(code):
                    return False
            except AnsibleError:
                pass  # another secret, or not a vault file: replace it
        if self._task.check_mode:
            return True
        vault_id, secret = match_encrypt_secret(secrets, encrypt_vault_id=C.DEFAULT_VAULT_ENCRYPT_IDENTITY)
        replace_private_file(path, vault.encrypt(code, secret=secret, vault_id=vault_id), mode=0o600,
                             create_parent=True)
        return True
