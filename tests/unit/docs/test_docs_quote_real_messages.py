# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docs quote only messages the collection can print: a quoted message is what a field engineer searches
the docs for, so one the code never prints sends them nowhere.

What counts as a quoted message: in the pages under docs/docsite/rst/, a definition-list term that is one inline
literal (a line ````text```` followed by an indented line). ``…`` in it stands for a part the code fills in
(an IP, a job id, a number). Each part between them must occur, in order, in one string the code holds: a
string constant of plugins/ (docstrings and DOCUMENTATION texts left out; %s, %d, {} mark where the code fills
in) or a string of the role's YAML (``{{ ... }}`` marks where it fills in). Messages of Ansible itself or of
the client are written as prose in the docs, not as such terms."""

from __future__ import annotations

import ast
import os
import re

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DOC_DIR = os.path.join(ROOT, "docs", "docsite", "rst")
# A placeholder the code fills in: printf (%s, %d, %(name)r, %%) and str.format ({}, {name}) in Python,
# Jinja expressions in the role.
PY_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrfixgc%]|\{[^{}]*\}")
JINJA_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
GAP = "\x00"
TERM = re.compile(r"^``(?P<text>[^`]+)``\n(?=[ \t]+\S)", re.M)
NOT_MESSAGES = {"DOCUMENTATION", "EXAMPLES", "RETURN"}


def _squash(text):
    return " ".join(text.split())


def _python_strings(path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    skipped = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant):
            skipped.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) in NOT_MESSAGES
                                                for target in node.targets):
            skipped.add(id(node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts, a gap for each value
            yield GAP.join(part.value if isinstance(part, ast.Constant) else GAP for part in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            yield PY_PLACEHOLDER.sub(GAP, node.value)


def _yaml_strings(value):
    if isinstance(value, str):
        yield JINJA_PLACEHOLDER.sub(GAP, value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _yaml_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _yaml_strings(item)


def code_strings(root=ROOT):
    """Every string the collection's code holds, whitespace squashed, with GAP where the code fills in."""
    strings = []
    for top, suffixes in (("plugins", (".py",)), ("roles", (".yml", ".yaml"))):
        for folder, _dirs, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                path = os.path.join(folder, name)
                if name.endswith(".py") and ".py" in suffixes:
                    strings.extend(_python_strings(path))
                elif name.endswith(suffixes) and ".yml" in suffixes:
                    with open(path, encoding="utf-8") as handle:
                        strings.extend(_yaml_strings(yaml.safe_load(handle)))
    return [_squash(text) for text in strings]


def quoted_messages(doc_dir=DOC_DIR):
    """(page, message) for every definition-list term that is one inline literal."""
    found = []
    for name in sorted(os.listdir(doc_dir)):
        if name.endswith(".rst"):
            with open(os.path.join(doc_dir, name), encoding="utf-8") as handle:
                found.extend((name, match.group("text")) for match in TERM.finditer(handle.read()))
    return found


def printable(message, strings):
    """True when some string holds the message's parts (split at …), in order, none across a fill-in."""
    parts = [_squash(part) for part in re.split(r"…|\.\.\.", message) if part.strip()]
    for text in strings:
        position = 0
        for part in parts:
            position = text.find(part, position)
            if position < 0:
                break
            position += len(part)
        else:
            return True
    return False


CODE = code_strings()


@pytest.mark.parametrize("page, message", quoted_messages(), ids=lambda value: value[:60])
def test_every_message_the_docs_quote_is_one_the_code_can_print(page, message):
    assert printable(message, CODE), "%s quotes %r, which no string of plugins/ or roles/ holds" % (page, message)


def test_the_troubleshooting_page_quotes_messages():
    """The convention above is what the pages use: without it the test above would check nothing."""
    pages = {page for page, _message in quoted_messages()}
    assert {"troubleshooting.rst", "guide_field.rst"} <= pages
    assert len(quoted_messages()) >= 15


def test_a_message_the_code_never_prints_is_found_out():
    assert not printable("could not be reached on port 9091", CODE)
    assert not printable("rejected the unlock code", CODE)
    # a real message, with the parts the code fills in elided
    assert printable("does not answer on port …: check that it is powered on", CODE)
    # parts of two different messages are not one message
    assert not printable("does not answer on port … twice", CODE)


def test_a_fill_in_is_not_quoted_as_text():
    """A quote must elide what the code fills in: the literal around a %d is not one piece with it."""
    assert not printable("does not answer on port %d", CODE)
    assert not printable("does not answer on port 9091: check", CODE)
