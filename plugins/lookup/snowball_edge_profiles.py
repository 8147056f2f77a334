# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: snowball_edge_profiles
short_description: Names of the profiles in the Snowball Edge client's config file
version_added: 0.1.0
description:
  - Returns the names of the profiles in the client's config file on the controller, and nothing else; the
    profiles' unlock codes never leave the plugin.
  - Returns an empty list when there is no config file. Fails, without showing the file's content, when the file is
    not the client's JSON format.
author:
  - fieldops engineering (@fieldops)
options:
  _terms:
    description:
      - The config file. Defaults to the one the client reads, under its Java home (the last C(-Duser.home=) in
        E(JAVA_TOOL_OPTIONS), else the password database's home, not E(HOME)).
    type: list
    elements: path
    required: false
"""

EXAMPLES = r"""
- name: Say whether this laptop has a profile for the device on the bench
  ansible.builtin.debug:
    msg: "{{ 'bench-device' in lookup('fieldops.snowball.snowball_edge_profiles', wantlist=True) }}"
"""

RETURN = r"""
_raw:
  description: The profile names.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import ProfileStore

display = Display()


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        names = set()
        for path in terms or [None]:
            try:
                store = ProfileStore(path)
                if store.warning:
                    display.warning(store.warning)
                names |= store.names()
            except SnowballError as error:
                raise AnsibleLookupError(str(error)) from None
        return sorted(names)
