# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The first line a field engineer reads about a failure (ansible-core's [ERROR] line, or the fatal line
before 2.21) is the collection's own message, on whichever supported ansible-core runs the suite (every
matrix cell runs this file)."""

from __future__ import annotations

import os
import re

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import ENTRY_PLAY, ROLE_PLAY, device_vars


def headline(output):
    """The failure's first line: [ERROR] (2.19 on) or, without one, the fatal line."""
    for line in output.splitlines():
        if line.startswith("[ERROR]:") or line.startswith("fatal:"):
            return line
    raise AssertionError("no failure line in:\n" + output[-3000:])


@pytest.mark.parametrize("variables, message", [
    ({"snowball_unlock_client": "/nonexistent/bin/snowballEdge"}, "was not found or is not executable"),
    ({"snowball_unlock_timeout": "15m"}, "snowball_unlock_timeout (15m) must be a positive number of seconds"),
], ids=["no client", "timeout with a unit"])
def test_the_headline_is_the_collections_message(site, variables, message):
    job_id = site.add_device()
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, **variables)})
    output = process.stdout + process.stderr
    assert process.returncode != 0
    assert message in headline(output), output[-3000:]
    assert "argument_spec_data" not in output


def test_a_missing_job_id_gets_the_argument_specs_required_message(site):
    job_id = site.add_device()
    variables = device_vars(site, job_id)
    del variables["snowball_unlock_job_id"]
    process = site.playbook(ROLE_PLAY, hosts={"bench": variables})
    output = process.stdout + process.stderr
    assert process.returncode != 0
    assert re.search(r"missing required arguments?: snowball_unlock_job_id", output), output[-3000:]
    assert "is undefined" not in output, output[-3000:]


@pytest.mark.parametrize("secret", [None, "another secret"], ids=["no vault secret", "another vault secret"])
def test_the_offline_unlock_without_the_prefetchs_vault_secret_says_which_to_give(site, secret):
    job_id = site.add_device()
    hosts = {"bench": device_vars(site, job_id)}
    passwords = {}
    for name, text in (("prefetch", "correct horse battery staple"), ("other", secret)):
        if text:
            passwords[name] = os.path.join(site.root, name)
            with open(passwords[name], "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
    prefetch = site.playbook(ENTRY_PLAY % "prefetch", hosts=hosts, args=["--vault-password-file", passwords["prefetch"]])
    assert prefetch.returncode == 0, prefetch.stdout[-3000:]
    unlock = site.playbook(ENTRY_PLAY % "unlock", hosts=hosts,
                           args=["--vault-password-file", passwords["other"]] if secret else [])
    output = unlock.stdout + unlock.stderr
    assert unlock.returncode != 0
    assert "run with the vault secret the prefetch used (--vault-id" in headline(output), output[-3000:]
    assert site.client_invocations() == []


def test_an_aws_profile_with_exported_keys_says_which_to_drop(site):
    job_id = site.add_device()
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, snowball_unlock_aws_profile="office")})
    output = process.stdout + process.stderr
    assert process.returncode != 0
    assert ("snowball_unlock_aws_profile (office) and the exported AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY both name "
            "the AWS account") in headline(output), output[-3000:]
    assert site.world.calls == []
