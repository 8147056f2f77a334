# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The INI line editor: every other byte kept, and an edit botocore would read differently refused."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _aws_profile
from ansible_collections.fieldops.snowball.plugins.module_utils import _ini
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import IP
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import KEY
from ansible_collections.fieldops.snowball.tests.unit.plugins.module_utils.device_answers import SECRET


def edit_config(text, name="x"):
    return _ini.edit_ini(text, "config", _aws_profile.config_targets(name, "/ca.pem", IP))[0]


def test_a_new_profile_is_appended_and_every_other_byte_kept():
    text = ("# work laptop\n[default]\nregion = eu-west-1\n\n; staging\n[profile staging]\n"
            "s3 =\n    addressing_style = path\n# end")
    new = edit_config(text)
    assert new.startswith(text + "\n\n[profile x]\n")
    assert new[len(text):] == ("\n\n[profile x]\nregion = snow\nca_bundle = /ca.pem\nservices = x-snowball\n"
                               "request_checksum_calculation = when_required\n"
                               "response_checksum_validation = when_required\ns3 =\n  addressing_style = path\n\n"
                               "[services x-snowball]\ns3 =\n  endpoint_url = https://192.0.2.10:8443\n"
                               "ec2 =\n  endpoint_url = https://192.0.2.10:8243\n")
    assert edit_config(new) == new


def test_an_existing_profile_is_edited_in_place():
    before = "# mine\r\n[profile a]\r\nregion = us-east-1\r\n\r\n"
    section = ("[profile x]\r\n  output = json\r\n  region = us-west-2\r\n  s3 =\r\n    addressing_style = path\r\n"
               "\r\n  services = mine\r\n")
    after = "# about b\r\n[profile b]\r\nregion = eu-west-1\r\n"
    # A wrong value is replaced where it is, with its indentation; a missing key goes after the last one.
    assert edit_config(before + section + after) == before + (
        "[profile x]\r\n  output = json\r\n  region = snow\r\n  s3 =\r\n    addressing_style = path\r\n\r\n"
        "  services = x-snowball\r\n  ca_bundle = /ca.pem\r\n  request_checksum_calculation = when_required\r\n"
        "  response_checksum_validation = when_required\r\n") + after + (
        "\r\n[services x-snowball]\r\ns3 =\r\n  endpoint_url = https://192.0.2.10:8443\r\n"
        "ec2 =\r\n  endpoint_url = https://192.0.2.10:8243\r\n")


def test_a_quoted_header_is_the_same_profile_to_botocore():
    text = '[profile "x"]\nregion = snow\n'
    new = edit_config(text)
    assert new.startswith('[profile "x"]\nregion = snow\nca_bundle = /ca.pem\n') and new.count("[profile") == 1


def test_two_sections_for_one_profile_are_refused():
    with pytest.raises(SnowballError, match='2 sections that are all profile x to botocore \\(\\[profile x\\] at line 1, '
                       '\\[profile "x"\\] at line 3\\): merge them'):
        edit_config('[profile x]\nregion = a\n[profile "x"]\noutput = json\n')


def test_credentials_keep_other_keys_and_drop_a_stale_session_token():
    text = "[other]\naws_secret_access_key = other-secret\n\n[x]\naws_session_token = old\nmfa_serial = m\n"
    new = _ini.edit_ini(text, "credentials", [_aws_profile.credentials_target("x", KEY, SECRET)])[0]
    assert new == ("[other]\naws_secret_access_key = other-secret\n\n[x]\nmfa_serial = m\n"
                   "aws_access_key_id = %s\naws_secret_access_key = %s\n" % (KEY, SECRET))


@pytest.mark.parametrize("text,line", [
    ("aws_secret_access_key = %s\n" % SECRET, 1),  # no section header
    ("[x]\nregion = a\n[x]\n", 3),  # botocore refuses duplicate sections
    ("[x]\nregion = a\nregion = b\n", 3),
    ("[x]\n%s\n" % SECRET, 2),  # a line that is no key = value
])
def test_a_file_botocore_cannot_read_is_refused_without_showing_its_lines(text, line):
    with pytest.raises(SnowballError, match="is not a file botocore can read \\(\\w+ at line %d\\); it was left "
                       "untouched" % line) as error:
        edit_config(text)
    assert SECRET not in str(error.value) and "region" not in str(error.value)


def test_an_edit_that_would_change_another_section_is_refused():
    # The editor's last line of defence: it compares what botocore reads before and after, whatever went wrong.
    targets = _aws_profile.config_targets("x", "/ca.pem", IP)
    old = _ini.parsed("[profile other]\nregion = a\n", "config")
    new = _ini.parsed(edit_config("[profile other]\nregion = b\n"), "config")
    with pytest.raises(SnowballError, match="Could not edit config without changing other settings"):
        _ini.check_edit(old, new, targets, "config")
