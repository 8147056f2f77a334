# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Masking: a value of the unlock code's form, and any secret named, is replaced by the one MASK in text, in
copies, and in place in the loop item ansible-core shows."""

from __future__ import annotations

import pytest

from ansible.module_utils.common.parameters import remove_values
from ansible_collections.fieldops.snowball.plugins.plugin_utils import _masking

CODE = "abcde-12345-ABCDE-fghij-67890"
MASK = _masking.MASK


def test_the_mask_is_the_one_ansible_core_puts_in_place_of_a_secret_in_a_result():
    assert remove_values("a s3cr3t b", {"s3cr3t"}) == "a %s b" % MASK


@pytest.mark.parametrize("text, expected", [
    ("code %s." % CODE, "code %s." % MASK),
    ("(%s)" % CODE, "(%s)" % MASK),
    ("x%s" % CODE, "x%s" % CODE),                    # part of a longer run: not a code
    ("%s-12345" % CODE, "%s-12345" % CODE),          # six groups: not a code
    ("abcde-12345", "abcde-12345"),
])
def test_text_of_the_codes_form_is_masked_and_longer_runs_are_not(text, expected):
    assert _masking.masked_text(text, set()) == expected


def test_a_named_secret_is_masked_wherever_it_appears():
    assert _masking.masked_text("url https://x/?sig=s3cr3t", {"s3cr3t"}) == "url https://x/?sig=" + MASK


def test_in_place_masking_reaches_keys_nested_values_and_tuples():
    item = {"outer": [{"code": CODE}, ("t", CODE)], CODE: 1, "n": 5}
    assert _masking.mask_in_place(item, set()) is True
    assert item == {"outer": [{"code": MASK}, ["t", MASK]], MASK: 1, "n": 5}


@pytest.mark.parametrize("item", [CODE, ("a", CODE)])
def test_a_value_that_cannot_be_changed_in_place_is_reported(item):
    assert _masking.mask_in_place(item, set()) is False


def test_a_result_carries_a_secret_only_with_an_unlock_code():
    assert _masking.carries_secret({"unlock_code": CODE}) and not _masking.carries_secret({"job_id": "JID1"})
