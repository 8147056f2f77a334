# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the simulated client's JVM does before the client's own code runs: read the option variables and
settle ``user.home``, the directory the client keeps its config under.

Written from the JDK's sources, not from the collection's code (the two must agree only through the shared
examples in ``jvm_examples.py``):

- HotSpot ``src/hotspot/share/runtime/arguments.cpp``: ``Arguments::parse_options_environment_variable``
  (reads ``JAVA_TOOL_OPTIONS`` before the command line and ``_JAVA_OPTIONS`` after it, printing
  ``Picked up NAME: VALUE`` on stderr for each variable that is set, even to nothing),
  ``Arguments::parse_options_buffer`` (the token rules) and ``Arguments::add_property`` (``-Dname`` without
  ``=`` sets an empty value; a later ``-D`` of the same name replaces an earlier one).
- JDK ``src/java.base/unix/native/libjava/java_props_md.c``: ``user.home`` is ``getpwuid(getuid())->pw_dir``,
  ``$HOME`` only when that is missing or shorter than two characters (JDK-8280357, JDK 19 and later), ``?``
  when both are missing; ``java.lang.System``/``jdk.internal.util.SystemProps``: a ``user.home`` given as an
  option wins over that (``putIfAbsent``), even when it is empty, and is used as given (not made absolute).
- The ``java`` launcher (``src/java.base/share/native/libjli/java.c`` and ``emessages.h``): when the VM
  refuses its options it prints ``Error: Could not create the Java Virtual Machine.`` and
  ``Error: A fatal exception has occurred. Program will exit.`` and exits with status 1.
"""

from __future__ import annotations

import os
import pwd

# The variables HotSpot reads, in the order it reads them (the command line comes between the two).
OPTION_VARIABLES = ("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS")
# parse_options_buffer calls C's isspace() in the "C" locale (C11 7.4.1.10): these six bytes and no others.
# Python's str.isspace() also counts \x1c-\x1f and Unicode spaces, which HotSpot keeps inside a token.
C_WHITESPACE = " \t\n\v\f\r"
QUOTES = "'\""
LAUNCHER_FAILURE = ("Error: Could not create the Java Virtual Machine.\n"
                    "Error: A fatal exception has occurred. Program will exit.\n")


class JvmStartFailure(Exception):
    """The JVM refused its options and did not start; ``str()`` is what it printed on stderr."""


def split_options(value, name="JAVA_TOOL_OPTIONS"):
    """The options HotSpot reads from one variable's ``value``: tokens separated by C whitespace; inside a
    token, '...' or "..." keeps everything up to the same quote (whitespace and the other quote included) and
    the quotes themselves are dropped; no backslash escapes. An unclosed quote stops the JVM."""
    tokens, index, end = [], 0, len(value)
    while index < end:
        while index < end and value[index] in C_WHITESPACE:
            index += 1
        if index >= end:
            break
        token = []
        while index < end and value[index] not in C_WHITESPACE:
            char = value[index]
            if char in QUOTES:
                closing = value.find(char, index + 1)
                if closing < 0:
                    raise JvmStartFailure("Unmatched quote in %s\n%s" % (name, LAUNCHER_FAILURE))
                token.append(value[index + 1:closing])
                index = closing + 1
            else:
                token.append(char)
                index += 1
        tokens.append("".join(token))  # '' is a token too: the loop entered on its opening quote
    return tokens


def picked_up(environ):
    """What HotSpot prints on stderr for the option variables that are set (set to nothing included)."""
    return "".join("Picked up %s: %s\n" % (name, environ[name]) for name in OPTION_VARIABLES if name in environ)


def system_properties(environ, command_line=()):
    """The ``-D`` properties the JVM ends up with: JAVA_TOOL_OPTIONS, then the command line, then
    _JAVA_OPTIONS, a later name replacing an earlier one. Raises JvmStartFailure as the JVM would."""
    options = []
    if "JAVA_TOOL_OPTIONS" in environ:
        options += split_options(environ["JAVA_TOOL_OPTIONS"], "JAVA_TOOL_OPTIONS")
    options += list(command_line)
    if "_JAVA_OPTIONS" in environ:
        options += split_options(environ["_JAVA_OPTIONS"], "_JAVA_OPTIONS")
    properties = {}
    for option in options:
        if option.startswith("-D"):
            key, _equals, text = option[2:].partition("=")
            properties[key] = text
    return properties


def home_from_passwd_database():
    """``getpwuid(getuid())->pw_dir``, or None when this user has no entry."""
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return None


def user_home(environ=None, passwd_home=home_from_passwd_database, command_line=()):
    """Java's ``user.home`` for a JVM started with ``environ``. ``passwd_home``: a callable giving the password
    database's home (None: no entry), injected by the tests."""
    environ = os.environ if environ is None else environ
    properties = system_properties(environ, command_line)
    if "user.home" in properties:
        return properties["user.home"]
    home = passwd_home()
    if (home is None or len(home) < 2) and environ.get("HOME"):
        home = environ["HOME"]
    return "?" if home is None else home
