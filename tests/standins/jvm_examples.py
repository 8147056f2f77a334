# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Worked examples of the JVM's option and ``user.home`` rules, as data: the simulated client and the
collection are each pinned to them, so a misreading of the JDK cannot pass on both sides at once.

Sources are cited in ``jvm.py`` (HotSpot arguments.cpp, JDK java_props_md.c and SystemProps). Each example
says which rule it shows.
"""

from __future__ import annotations

# (value of JAVA_TOOL_OPTIONS, the options HotSpot reads from it or None when the JVM refuses to start, rule)
SPLIT_EXAMPLES = (
    ("", [], "set to nothing: no option"),
    ("-Duser.home=/srv/field", ["-Duser.home=/srv/field"], "one option"),
    ("  -Xmx1g\t-Duser.home=/a  \n", ["-Xmx1g", "-Duser.home=/a"], "any run of C whitespace separates"),
    ("-Da\vb\fc\rd", ["-Da", "b", "c", "d"], "vertical tab, form feed and carriage return are whitespace too"),
    ("-Da\x1cb", ["-Da\x1cb"], "\\x1c is not C whitespace (Python's str.isspace says it is)"),
    ("-Da\u00a0b", ["-Da\u00a0b"], "a no-break space is not C whitespace"),
    ('-Duser.home="/with space"', ["-Duser.home=/with space"], "a quote may open inside a token"),
    ("'-Duser.home=/with space' -Xss1m", ["-Duser.home=/with space", "-Xss1m"], "or around the whole token"),
    ('-Da="x y"z\'w v\'', ["-Da=x yzw v"], "quoted and unquoted parts join into one token"),
    ('"-Dx=it\'s"', ["-Dx=it's"], "the other quote is kept inside quotes"),
    ("''", [""], "an empty quoted string is an (empty) option"),
    ("-Da '' -Db", ["-Da", "", "-Db"], "also between others"),
    ("-Dx=a\\ b", ["-Dx=a\\", "b"], "no backslash escapes: the backslash stays and the space separates"),
    ("-Dx=\\'y", None, "a quote after a backslash still opens a quoted part, here never closed"),
    ("-Duser.home='/unclosed", None, "an unclosed quote stops the JVM"),
    ('-Duser.home="/a\'', None, "a quote is closed only by the same quote"),
)

# (environment, the password database's home or None for no entry, user.home or None when the JVM refuses to
#  start, rule)
USER_HOME_EXAMPLES = (
    ({"HOME": "/home/shell"}, "/home/passwd", "/home/passwd", "$HOME is not user.home"),
    ({"JAVA_TOOL_OPTIONS": "-Duser.home=/b", "HOME": "/h"}, "/p", "/b", "-Duser.home wins"),
    ({"JAVA_TOOL_OPTIONS": "-Duser.home=/a -Xmx1g -Duser.home=/b"}, "/p", "/b", "the last -Duser.home wins"),
    ({"JAVA_TOOL_OPTIONS": "-Duser.home=/a", "_JAVA_OPTIONS": "-Duser.home=/z"}, "/p", "/z",
     "_JAVA_OPTIONS is read after JAVA_TOOL_OPTIONS and wins"),
    ({"_JAVA_OPTIONS": "-Xmx1g", "JAVA_TOOL_OPTIONS": "-Duser.home=/a"}, "/p", "/a",
     "_JAVA_OPTIONS without -Duser.home changes nothing"),
    ({"JAVA_TOOL_OPTIONS": "'-Duser.home=/with space'"}, "/p", "/with space", "quotes keep a space"),
    ({"JAVA_TOOL_OPTIONS": "-Duser.home=relative/dir"}, "/p", "relative/dir", "used as given, not made absolute"),
    ({"JAVA_TOOL_OPTIONS": "-Duser.home=", "HOME": "/h"}, "/p", "", "an empty -Duser.home= is still given"),
    ({"JAVA_TOOL_OPTIONS": "-Duser.home", "HOME": "/h"}, "/p", "", "-Dname without = sets an empty value"),
    ({"JAVA_TOOL_OPTIONS": "-DUSER.HOME=/x"}, "/p", "/p", "property names are case-sensitive"),
    ({"JAVA_TOOL_OPTIONS": "-Duser.home='/unclosed", "HOME": "/h"}, "/p", None, "an unclosed quote stops the JVM"),
    ({"HOME": "/h"}, "/", "/h", "a password home shorter than two characters gives way to $HOME (JDK 19+)"),
    ({"HOME": "/h"}, "", "/h", "so does an empty one"),
    ({"HOME": "/h"}, None, "/h", "and a user without an entry"),
    ({}, "/", "/", "without $HOME the short home stays"),
    ({"HOME": ""}, None, "?", "neither: '?'"),
    ({}, None, "?", "neither: '?'"),
)
