# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated client's JVM reads its options and finds user.home as the JDK does, pinned to the shared
examples (jvm_examples.py), and the simulated client acts on them as a real one would."""

from __future__ import annotations

import os
import subprocess

import pytest

from ansible_collections.fieldops.snowball.tests.standins import jvm
from ansible_collections.fieldops.snowball.tests.standins.jvm_examples import SPLIT_EXAMPLES, USER_HOME_EXAMPLES


@pytest.mark.parametrize("value, options, rule", SPLIT_EXAMPLES, ids=[example[2] for example in SPLIT_EXAMPLES])
def test_options_are_split_as_hotspot_splits_them(value, options, rule):  # pylint: disable=unused-argument
    if options is None:
        with pytest.raises(jvm.JvmStartFailure, match="Unmatched quote in JAVA_TOOL_OPTIONS"):
            jvm.split_options(value)
    else:
        assert jvm.split_options(value) == options


@pytest.mark.parametrize("environ, passwd_home, home, rule", USER_HOME_EXAMPLES,
                         ids=[example[3] for example in USER_HOME_EXAMPLES])
def test_user_home_is_found_as_the_jdk_finds_it(environ, passwd_home, home, rule):  # pylint: disable=unused-argument
    if home is None:
        with pytest.raises(jvm.JvmStartFailure):
            jvm.user_home(environ, passwd_home=lambda: passwd_home)
    else:
        assert jvm.user_home(environ, passwd_home=lambda: passwd_home) == home


def test_an_option_on_the_command_line_comes_between_the_two_variables():
    environ = {"JAVA_TOOL_OPTIONS": "-Duser.home=/tool"}
    assert jvm.user_home(environ, passwd_home=lambda: "/p", command_line=["-Duser.home=/cli"]) == "/cli"
    environ["_JAVA_OPTIONS"] = "-Duser.home=/late"
    assert jvm.user_home(environ, passwd_home=lambda: "/p", command_line=["-Duser.home=/cli"]) == "/late"


def test_the_jvm_says_which_variables_it_picked_up_even_when_empty():
    assert jvm.picked_up({"JAVA_TOOL_OPTIONS": "", "_JAVA_OPTIONS": "-Xmx1g", "HOME": "/h"}) == (
        "Picked up JAVA_TOOL_OPTIONS: \nPicked up _JAVA_OPTIONS: -Xmx1g\n")
    assert jvm.picked_up({"HOME": "/h"}) == ""


def test_the_default_home_is_the_password_databases():
    import pwd  # pylint: disable=import-outside-toplevel

    passwd_home = pwd.getpwuid(os.getuid()).pw_dir
    expected = passwd_home if len(passwd_home) >= 2 else "/elsewhere"
    assert jvm.user_home({"HOME": "/elsewhere"}) == expected


def run_client(site, *args, **env):
    return subprocess.run([site.client] + list(args), env=site.env(**env), capture_output=True, text=True, check=False)


def test_the_simulated_client_does_not_start_with_an_unclosed_quote(site):
    result = run_client(site, "version", JAVA_TOOL_OPTIONS="-Duser.home='/unclosed")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == ("Picked up JAVA_TOOL_OPTIONS: -Duser.home='/unclosed\nUnmatched quote in "
                             "JAVA_TOOL_OPTIONS\n" + jvm.LAUNCHER_FAILURE)


def test_the_simulated_client_keeps_its_config_where_java_options_say(site, tmp_path):
    late = tmp_path / "late home"
    result = run_client(site, "configure", "--profile", "p", "--manifest-file", "/nonexistent", "--unlock-code",
                        "x", "--endpoint", "https://192.0.2.10", _JAVA_OPTIONS="'-Duser.home=%s'" % late)
    assert "Configuration will be stored at %s/.aws/snowball/config/snowball-edge.config\n" % late in result.stdout
    assert "Picked up _JAVA_OPTIONS: '-Duser.home=%s'\n" % late in result.stderr
