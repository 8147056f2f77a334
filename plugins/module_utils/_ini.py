# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The INI line editor for the AWS config and credentials files, with its configparser proof: only the lines of
the keys it sets change, every other byte is kept, and an edit that botocore would read differently is refused.

configparser itself would drop comments and reformat every other profile, so it only proves the edit.
"""

from __future__ import annotations

import configparser
import re
import shlex

from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._context import MASK

# Keys whose values never appear in a diff.
_SECRET_KEYS = frozenset(("aws_secret_access_key", "aws_session_token", "aws_security_token"))
# configparser's own patterns (SECTCRE and OPTCRE), so that the line editor reads a file as botocore does.
SECTION_PATTERN = re.compile(r"\[(?P<header>.+)\]")
_OPTION = re.compile(r"(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)$")
_COMMENT_PREFIXES = ("#", ";")


def _split_lines(text):
    # Only "\n" ends a line: str.splitlines would also split on form feeds and other separators.
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def _newline(lines):
    return "\r\n" if lines and lines[0].endswith("\r\n") else "\n"


def _terminated(line, newline):
    return line if line.endswith("\n") else line + newline


def _parse_error(path, error):
    """configparser's error without the offending line, which could hold a secret."""
    line = getattr(error, "lineno", None)
    if line is None and getattr(error, "errors", None):
        line = error.errors[0][0]
    where = " at line %s" % line if line else ""
    return SnowballError("%s is not a file botocore can read (%s%s); it was left untouched. Fix that line (or move "
                         "the file away), then run again." % (path, error.__class__.__name__, where), path=path)


def parsed(text, path):
    # botocore reads these files with a default RawConfigParser: the same parser, the same verdict.
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error as error:
        raise _parse_error(path, error) from None
    return parser


def _contents(parser):
    return {section: dict(parser.items(section, raw=True)) for section in parser.sections()}, dict(parser.defaults())


class _Line:
    __slots__ = ("text", "kind", "name", "indent")

    def __init__(self, text, kind, name=None, indent=""):
        self.text, self.kind, self.name, self.indent = text, kind, name, indent


def _classify(lines):
    """Each line as configparser reads it: blank, comment, header (name), option (key) or continuation."""
    classified, option, indent_level, in_section = [], None, 0, False
    for text in lines:
        stripped = text.strip()
        if not stripped:
            classified.append(_Line(text, "blank"))
            continue
        if stripped.startswith(_COMMENT_PREFIXES):
            classified.append(_Line(text, "comment"))
            continue
        indent = text[:len(text) - len(text.lstrip())]
        if in_section and option and len(indent) > indent_level:
            classified.append(_Line(text, "continuation", option))
            continue
        indent_level = len(indent)
        header = SECTION_PATTERN.match(stripped)
        if header:
            in_section, option = True, None
            classified.append(_Line(text, "header", header.group("header")))
        else:
            match = _OPTION.match(stripped)
            option = match.group("option").rstrip().lower() if match else None
            classified.append(_Line(text, "option", option, indent))
    return classified


def _sections(classified):
    """``[(header name, first line, end)]``: each section's lines are ``classified[first:end]``."""
    starts = [index for index, line in enumerate(classified) if line.kind == "header"]
    return [(classified[start].name, start, end) for start, end in zip(starts, starts[1:] + [len(classified)])]


def botocore_name(header, kind):
    """The profile or services name botocore gives a config file section header, or None."""
    if kind == "profile" and header == "default":
        return "default"
    if not header.startswith(kind):
        return None
    try:
        parts = shlex.split(header)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 else None


def _render(key, value, indent, newline):
    """The lines of ``key = value``; a dict value becomes a nested block, as botocore reads one."""
    if isinstance(value, dict):
        return ["%s%s =%s" % (indent, key, newline)] + ["%s  %s = %s%s" % (indent, sub, value[sub], newline)
                                                        for sub in value]
    return ["%s%s = %s%s" % (indent, key, value, newline)]


def _nested(value):
    """A value as botocore reads it: a dict when it starts with a line break."""
    if not value.startswith("\n"):
        return value
    parsed = {}
    for line in value.splitlines():
        if line.strip() and "=" in line:
            key, sub = line.split("=", 1)
            parsed[key.strip()] = sub.strip()
    return parsed


class Section:
    """What one section should hold: ``settings`` (ordered key -> str or dict) and keys to ``remove``."""

    def __init__(self, header, matches, settings, remove=()):
        self.header, self.matches, self.settings, self.remove = header, matches, settings, tuple(remove)


def edit_ini(text, path, targets):
    """``(new text, [(before, after)] per target)``: ``text`` with each target section holding its settings,
    every other line kept byte for byte. ``before``/``after`` are the target's lines, for a diff.

    Refuses (SnowballError, nothing changed) a file botocore could not read, and a file with two sections
    that botocore reads as the same target."""
    old = parsed(text, path)
    lines = _split_lines(text)
    newline = _newline(lines)
    classified = _classify(lines)
    sections = _sections(classified)
    replacements, appended, blocks = {}, [], []
    for target in targets:
        found = [section for section in sections if target.matches(section[0])]
        if len(found) > 1:
            raise SnowballError("%s has %d sections that are all %s to botocore (%s): merge them into one, then run "
                                "again. The file was left untouched." % (
                                    path, len(found), target.header,
                                    ", ".join("[%s] at line %d" % (name, start + 1) for name, start, _end in found)),
                                path=path)
        if found:
            _name, start, end = found[0]
            before = [line.text for line in classified[start:end]]
            after = _edit_section(classified[start:end], target, newline)
            replacements[start] = (end, after)
        else:
            before, after = [], ["[%s]%s" % (target.header, newline)] + [
                line for key, value in target.settings.items() for line in _render(key, value, "", newline)]
            appended.append(after)
        blocks.append((before, after))
    result, index = [], 0
    while index < len(lines):
        if index in replacements:
            end, after = replacements[index]
            result.extend(after)
            index = end
        else:
            result.append(lines[index])
            index += 1
    for block in appended:
        if result:
            result[-1] = _terminated(result[-1], newline)
            if result[-1].strip():
                result.append(newline)  # a blank line between the last section and ours, as `aws configure` does
        result.extend(block)
    new_text = "".join(result)
    check_edit(old, parsed(new_text, path), targets, path)
    return new_text, blocks


def _edit_section(block, target, newline):
    """The lines of one existing section with the target's settings: a key already right keeps its line,
    a wrong one is replaced in place (with its indentation), a missing one is added after the section's
    last setting (before the comments and blank lines that lead to the next section)."""
    current = {}
    own = parsed("".join(_terminated(line.text, newline) for line in block), "section")
    for key, value in own.items(own.sections()[0], raw=True):
        current[key] = _nested(value)
    spans, last_content, indent = {}, 0, ""
    for index, line in enumerate(block):
        if line.kind == "option":
            spans[line.name] = [index, index + 1]
            last_content, indent = index, line.indent
        elif line.kind == "continuation":
            spans[line.name][1] = index + 1
            last_content = index
    insert = [text for key in target.settings if key not in spans
              for text in _render(key, target.settings[key], indent, newline)]
    out, index = [], 0
    while index < len(block):
        line, end = block[index], index + 1
        if line.kind == "option" and line.name in target.remove:
            end = spans[line.name][1]
        elif line.kind == "option" and line.name in target.settings and \
                current.get(line.name) != target.settings[line.name]:
            out.extend(_render(line.name, target.settings[line.name], line.indent, newline))
            end = spans[line.name][1]
        else:
            out.append(line.text)
        if insert and index <= last_content < end:
            if out:
                out[-1] = _terminated(out[-1], newline)
            out.extend(insert)
            insert = []
        index = end
    return out


def check_edit(old, new, targets, path):
    """Prove the edit before anything is written: every other section and default unchanged, each target
    holding exactly its settings (as botocore reads them) and none of the keys it must not have."""
    old_sections, old_defaults = _contents(old)
    new_sections, new_defaults = _contents(new)
    owned = {name for name in set(old_sections) | set(new_sections)
             if any(target.matches(name) for target in targets)}
    problem = old_defaults != new_defaults or any(
        old_sections.get(name) != new_sections.get(name) for name in set(old_sections) | set(new_sections)
        if name not in owned)
    for target in targets:
        matching = [name for name in new_sections if target.matches(name)]
        values = new_sections[matching[0]] if len(matching) == 1 else {}
        before = next((old_sections[name] for name in old_sections if target.matches(name)), {})
        problem |= len(matching) != 1 or any(
            _nested(values.get(key, "")) != value for key, value in target.settings.items()) or any(
            key in values for key in target.remove) or any(
            before.get(key) != values.get(key) for key in set(before) | set(values)
            if key not in target.settings and key not in target.remove)
    if problem:
        raise SnowballError("Could not edit %s without changing other settings (a layout this module does not "
                            "handle); it was left untouched. Please report this with the file's layout (not its "
                            "keys)." % path, path=path)


def masked(lines, other_lines=()):
    """``lines`` with every secret value replaced by MASK, and '(changed)' when ``other_lines`` hold another."""
    def secrets_of(block):
        found = {}
        for line in _classify(block):
            if line.kind == "option" and line.name in _SECRET_KEYS:
                found[line.name] = _OPTION.match(line.text.strip()).group("value")
        return found

    others = secrets_of(other_lines)
    out = []
    for line in _classify(lines):
        text = line.text
        if line.kind == "option" and line.name in _SECRET_KEYS:
            value = _OPTION.match(text.strip()).group("value")
            changed = bool(other_lines) and others.get(line.name) not in (None, value)
            text = "%s%s = %s%s\n" % (line.indent, line.name, MASK, " (changed)" if changed else "")
        out.append(_terminated(text, "\n"))
    return "".join(out)
