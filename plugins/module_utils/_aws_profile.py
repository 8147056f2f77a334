# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An AWS CLI / SDK profile for an unlocked Snowball Edge device (issue 14).

The device has its own access key and its own self-signed certificate. AWS's
developer guide gets them by hand with ``snowballEdge list-access-keys``,
``get-secret-access-key``, ``list-certificates`` and ``get-certificate``, and
then points the AWS CLI at the device's S3 (HTTPS 8443) and EC2 (HTTPS 8243)
endpoints in region ``snow``. This writes the same thing once, as a profile
that boto3/botocore (1.31 and later) and the AWS CLI resolve by themselves:

* the shared credentials file: ``[NAME]`` with the key pair;
* the config file: ``[profile NAME]`` with ``region = snow``, ``ca_bundle`` and
  ``services = NAME-snowball``, and ``[services NAME-snowball]`` whose ``s3``
  and ``ec2`` sub-sections hold ``endpoint_url``;
* the device's certificate, the profile's CA bundle.

Both INI files are edited line by line: configparser would drop comments and
reformat every other profile, so only the lines of our keys change and every
other byte is kept. Each file is written atomically, mode 0600, only when its
content or mode changes. The secret key is never returned, logged, put in an
error message or on a command line.

``run`` is the module's logic, with the Snowball Edge client injected as a
callable, so the module's main() and its action plugin share it.
"""

from __future__ import annotations

import configparser
import contextlib
import fcntl
import ipaddress
import json
import os
import re
import shlex
import ssl
import stat

from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._files import check_private_destination
from ansible_collections.fieldops.snowball.plugins.module_utils._files import read_bytes
from ansible_collections.fieldops.snowball.plugins.module_utils._files import replace_private_file

REGION = "snow"
# The device's HTTPS ports (developer guide, "Port requirements"): S3 adapter 8443, EC2 8243.
SERVICE_PORTS = (("s3", 8443), ("ec2", 8243))
SERVICES_SUFFIX = "-snowball"
UNLOCKED = "UNLOCKED"
MASK = "********"
MODE = 0o600
CLIENT_DOWNLOAD = "https://aws.amazon.com/snowball/resources/"
# Names botocore reads from the environment before the profile (so they would override what we write).
OVERRIDING_ENVIRONMENT = ("AWS_CA_BUNDLE", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL",
                          "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_EC2", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
# Keys whose values never appear in a diff.
_SECRET_KEYS = frozenset(("aws_secret_access_key", "aws_session_token", "aws_security_token"))
# A device key has no session token: a stale one beside it would be sent along and break every request.
_STALE_CREDENTIAL_KEYS = ("aws_session_token", "aws_security_token")

# Strict on purpose: the name goes into INI section headers (no brackets, quotes, spaces or newlines),
# into a file name (no slash, no leading dot) and after --profile on a command line (no leading dash).
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
# IAM's AccessKeyId: word characters, 16 to 128 of them.
_ACCESS_KEY_ID = re.compile(r"[A-Za-z0-9_]{16,128}\Z")
# Printable ASCII without spaces: what an INI value keeps as is.
_SECRET = re.compile(r"[\x21-\x7e]{1,256}\Z")
_PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----")
_ENV_VARIABLE = re.compile(r"\$(\w+|\{[^}]*\})")

# configparser's own patterns (SECTCRE and OPTCRE), so that the line editor reads a file as botocore does.
_SECTION = re.compile(r"\[(?P<header>.+)\]")
_OPTION = re.compile(r"(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)$")
_COMMENT_PREFIXES = ("#", ";")


# --- names and paths


def check_profile_name(name):
    """``name`` when it can be an AWS profile name here; SnowballError before anything is written otherwise."""
    if not isinstance(name, str) or not _PROFILE_NAME.match(name):
        raise SnowballError("aws_profile %r is not usable: use 1 to 128 letters, digits, '.', '_' or '-', starting "
                            "with a letter or digit (no spaces, brackets, quotes or newlines)." % (name,))
    if name == "default":
        raise SnowballError("aws_profile 'default' would replace the credentials and region this laptop uses for AWS "
                            "itself (the unlock code and manifest come from there): choose a name for the device, "
                            "for example snowball-bench.")
    return name


def services_section(name):
    """The name of the profile's ``[services ...]`` section."""
    return name + SERVICES_SUFFIX


def _expand(path, environ):
    """``path`` with $VARIABLES and ~ expanded from ``environ``, as botocore expands AWS_CONFIG_FILE."""
    def variable(match):
        key = match.group(1).strip("{}")
        return environ.get(key, match.group(0))

    path = _ENV_VARIABLE.sub(variable, path)
    if path == "~" or path.startswith("~/"):
        home = environ.get("HOME") or os.path.expanduser("~")
        path = home + path[1:]
    return os.path.abspath(os.path.expanduser(path))


def aws_file_paths(environ=None):
    """``(credentials file, config file)`` as botocore finds them: AWS_SHARED_CREDENTIALS_FILE and
    AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config."""
    environ = os.environ if environ is None else environ
    credentials = environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    config = environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    return _expand(credentials, environ), _expand(config, environ)


def default_ca_bundle_path(client_config_path, name):
    """The device's certificate beside the Snowball Edge client's config, one file per profile."""
    return os.path.join(os.path.dirname(os.path.abspath(os.path.expanduser(client_config_path))),
                        "%s-ca-bundle.pem" % name)


def _check_ini_value(what, value):
    # An INI value keeps neither surrounding whitespace nor line breaks.
    if not value or value != value.strip() or any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise SnowballError("%s %r cannot be written to an AWS config file: give a path without line breaks, "
                            "control characters or spaces at either end." % (what, value))
    return value


def overriding_environment(environ=None):
    """The variables set in ``environ`` that botocore and the AWS CLI would take over the profile's settings."""
    environ = os.environ if environ is None else environ
    return [name for name in OVERRIDING_ENVIRONMENT if environ.get(name)]


# --- the client's output


def _json_object(out, command):
    """The JSON object the client printed, ignoring any other line around it."""
    text = out or ""
    start = text.find("{")
    if start >= 0:
        try:
            value = json.JSONDecoder().raw_decode(text, start)[0]
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
    raise SnowballError("snowballEdge %s did not print a JSON object. Check that client is the Snowball Edge client "
                        "(download it from %s) and run `snowballEdge %s` by hand to see what it says."
                        % (command, CLIENT_DOWNLOAD, command))


def parse_device(out):
    """``(state, ip)`` from ``describe-device``; ip may be None."""
    device = _json_object(out, "describe-device")
    state = (device.get("UnlockStatus") or {}).get("State")
    if not isinstance(state, str):
        raise SnowballError("snowballEdge describe-device printed no UnlockStatus.State. Check that client is the "
                            "Snowball Edge client (download it from %s)." % CLIENT_DOWNLOAD)
    ip = (device.get("ActiveNetworkInterface") or {}).get("IpAddress")
    return state, ip if isinstance(ip, str) and ip else None


def parse_access_key_ids(out):
    """The ids from ``list-access-keys`` (``{"AccessKeyIds": [...]}``)."""
    ids = _json_object(out, "list-access-keys").get("AccessKeyIds")
    if not isinstance(ids, list) or not all(isinstance(key, str) and _ACCESS_KEY_ID.match(key) for key in ids):
        raise SnowballError("snowballEdge list-access-keys printed no AccessKeyIds list of access key ids. Check that "
                            "client is the Snowball Edge client (download it from %s)." % CLIENT_DOWNLOAD)
    if not ids:
        raise SnowballError("The device lists no access keys (snowballEdge list-access-keys). A device has its "
                            "administrator's key once it is unlocked: check it with describe-device, then run again.")
    return ids


def choose_access_key(ids, wanted=None):
    """``wanted`` when the device has it, else the device's only key; SnowballError naming the ids otherwise."""
    listed = ", ".join(ids)
    if wanted:
        if wanted not in ids:
            raise SnowballError("The device has no access key %s; it has: %s. Set access_key_id to one of them."
                                % (wanted, listed), access_key_ids=list(ids))
        return wanted
    if len(ids) > 1:
        raise SnowballError("The device has %d access keys (%s): set access_key_id to the one this profile should use."
                            % (len(ids), listed), access_key_ids=list(ids))
    return ids[0]


def parse_secret_access_key(out, access_key_id):
    """The secret from ``get-secret-access-key``: the ``[snowballEdge]`` block's aws_secret_access_key.

    Lines before and after the block are ignored. The messages never hold the
    output, since it holds the secret."""
    values, in_block = {}, False
    for line in (out or "").splitlines():
        stripped = line.strip()
        header = _SECTION.match(stripped)
        if header:
            in_block = header.group("header").strip() == "snowballEdge"
            continue
        if in_block and "=" in stripped:
            key, value = stripped.split("=", 1)
            values.setdefault(key.strip().lower(), value.strip())
    secret = values.get("aws_secret_access_key")
    if not secret or not _SECRET.match(secret):
        raise SnowballError("snowballEdge get-secret-access-key did not print a [snowballEdge] block with an "
                            "aws_secret_access_key (its output is not shown: it would hold the secret). Check that "
                            "client is the Snowball Edge client (download it from %s)." % CLIENT_DOWNLOAD)
    if values.get("aws_access_key_id", access_key_id) != access_key_id:
        raise SnowballError("snowballEdge get-secret-access-key --access-key-id %s answered for another access key. "
                            "Run it again; if it persists, update the Snowball Edge client." % access_key_id)
    return secret


def parse_certificates(out):
    """``[(arn, [subject alternative names])]`` from ``list-certificates``."""
    listed = _json_object(out, "list-certificates").get("Certificates")
    problem = not isinstance(listed, list)
    certificates = []
    for entry in listed if not problem else []:
        arn = entry.get("CertificateArn") if isinstance(entry, dict) else None
        names = entry.get("SubjectAlternativeNames") or [] if isinstance(entry, dict) else None
        if not isinstance(arn, str) or not arn.startswith("arn:") or not isinstance(names, list):
            problem = True
            break
        certificates.append((arn, [name for name in names if isinstance(name, str)]))
    if problem:
        raise SnowballError("snowballEdge list-certificates printed no Certificates list with a CertificateArn each. "
                            "Check that client is the Snowball Edge client (download it from %s)." % CLIENT_DOWNLOAD)
    return certificates


def _same_address(one, other):
    try:
        return ipaddress.ip_address(one.strip("[]")) == ipaddress.ip_address(other.strip("[]"))
    except ValueError:
        return one.strip("[]").lower() == other.strip("[]").lower()


def choose_certificates(certificates, device_ip):
    """The ARNs of the certificates whose subject alternative names hold ``device_ip``, sorted.

    Every one of them goes into the CA bundle: each is the device's own, and the
    device serves one of them."""
    arns = sorted(arn for arn, names in certificates if any(_same_address(name, device_ip) for name in names))
    if not arns:
        held = "; ".join("%s (%s)" % (arn, ", ".join(names) or "no names") for arn, names in certificates) or "none"
        raise SnowballError("No certificate of the device names %s; it has: %s. A device makes a new certificate "
                            "when it is unlocked with another IP address: give the IP it was unlocked with, or "
                            "unlock it again at this one." % (device_ip, held), device_ip=device_ip)
    return arns


def parse_certificate_pem(out, arn):
    """The PEM certificate(s) ``get-certificate`` printed, normalised, checked to load as a CA bundle."""
    blocks = _PEM_BLOCK.findall(out or "")
    pem = "".join("\n".join(line.strip() for line in block.strip().splitlines() if line.strip()) + "\n"
                  for block in blocks)
    try:
        if not blocks:
            raise ValueError("no PEM block")
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=pem)
    except (ValueError, ssl.SSLError):
        raise SnowballError("snowballEdge get-certificate --certificate-arn %s did not print a PEM certificate. "
                            "Run it by hand to see what it says; check that client is the Snowball Edge client "
                            "(download it from %s)." % (arn, CLIENT_DOWNLOAD)) from None
    return pem


def normalize_device_ip(value):
    """The IP address in ``value`` (``192.0.2.10``, ``https://192.0.2.10``, ``[2001:db8::10]``)."""
    text = value.strip() if isinstance(value, str) else ""
    if text.startswith("https://"):
        text = text[len("https://"):].rstrip("/")
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        raise SnowballError("device_ip %r is not an IP address: give the IP the device shows on its display (the "
                            "device's certificate names its IP, not a host name)." % (value,)) from None


def endpoint_urls(device_ip):
    """``{service: https://IP:port}`` for the device's S3 and EC2 endpoints."""
    host = "[%s]" % device_ip if ipaddress.ip_address(device_ip).version == 6 else device_ip
    return {service: "https://%s:%d" % (host, port) for service, port in SERVICE_PORTS}


# --- running the client


def explain_client_failure(command, rc, out, err):
    """A message for a failed client command: what to do, then the client's words (without secrets)."""
    lines = [line for line in ("%s\n%s" % (err or "", out or "")).splitlines()
             if line.strip() and not line.startswith("Picked up ") and "secret" not in line.lower()]
    text = " ".join(lines)[-500:]
    if "IncorrectDeviceStateException" in text:
        advice = ("The device is not unlocked: unlock it first (fieldops.snowball.snowball_edge_unlock), wait for "
                  "UNLOCKED, then run this again.")
    elif "ResourceNotFoundException" in text:
        advice = "The device does not know what was asked for: list what it has (list-access-keys, list-certificates)."
    elif "Connection refused" in text:
        advice = ("Nothing answers on the device's port 9091 yet: a device needs about 10 minutes after power-on. "
                  "Wait, then run again.")
    elif "timed out" in text or "No route to host" in text:
        advice = ("The device could not be reached: check that it is powered on, that the IP is the one on its "
                  "display and that this laptop is on its network.")
    else:
        advice = "See the client's message."
    return "snowballEdge %s failed (exit %s): %s Client said: %s" % (command, rc, advice, text or "nothing")


def _client(run_client, *args):
    rc, out, err = run_client(list(args))
    if rc != 0:
        raise SnowballError(explain_client_failure(args[0], rc, out, err))
    return out


# --- the INI line editor


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


def _parsed(text, path):
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
        header = _SECTION.match(stripped)
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


def _botocore_name(header, kind):
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


class _Section:
    """What one section should hold: ``settings`` (ordered key -> str or dict) and keys to ``remove``."""

    def __init__(self, header, matches, settings, remove=()):
        self.header, self.matches, self.settings, self.remove = header, matches, settings, tuple(remove)


def edit_ini(text, path, targets):
    """``(new text, [(before, after)] per target)``: ``text`` with each target section holding its settings,
    every other line kept byte for byte. ``before``/``after`` are the target's lines, for a diff.

    Refuses (SnowballError, nothing changed) a file botocore could not read, and a file with two sections
    that botocore reads as the same target."""
    old = _parsed(text, path)
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
    _check_edit(old, _parsed(new_text, path), targets, path)
    return new_text, blocks


def _edit_section(block, target, newline):
    """The lines of one existing section with the target's settings: a key already right keeps its line,
    a wrong one is replaced in place (with its indentation), a missing one is added after the section's
    last setting (before the comments and blank lines that lead to the next section)."""
    current = {}
    own = _parsed("".join(_terminated(line.text, newline) for line in block), "section")
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


def _check_edit(old, new, targets, path):
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


def credentials_target(name, access_key_id, secret):
    # botocore looks the profile up in the credentials file by its exact section name.
    return _Section(name, lambda header: header == name,
                    {"aws_access_key_id": access_key_id, "aws_secret_access_key": secret},
                    remove=_STALE_CREDENTIAL_KEYS)


def config_targets(name, ca_bundle, device_ip):
    services = services_section(name)
    profile = _Section("profile %s" % name, lambda header: _botocore_name(header, "profile") == name,
                       {"region": REGION, "ca_bundle": ca_bundle, "services": services})
    endpoints = _Section("services %s" % services, lambda header: _botocore_name(header, "services") == services,
                         {service: {"endpoint_url": url} for service, url in endpoint_urls(device_ip).items()})
    return [profile, endpoints]


def _masked(lines, other_lines=()):
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


# --- writing


def _certificates_text(data):
    """An old CA bundle for a diff: shown when it is only certificates (public), else only its size."""
    if not data:
        return ""
    text = data.decode("ascii", "replace")
    if _PEM_BLOCK.sub("", text).strip():
        return "(%d bytes that are not only PEM certificates; not shown)\n" % len(data)
    return text


class FilePlan:
    """One file's new content and mode, computed (and checked) before any file is written."""

    def __init__(self, path, data, diff_before="", diff_after=""):
        self.path, self.data = path, data
        self.diff_before, self.diff_after = diff_before, diff_after
        self.old = read_bytes(path)
        self.old_mode = stat.S_IMODE(os.stat(path).st_mode) if self.old is not None else None
        self.content_changed = self.old != data
        self.mode_changed = self.old_mode not in (None, MODE)

    @property
    def changed(self):
        return self.content_changed or self.mode_changed

    def apply(self):
        if self.content_changed:
            replace_private_file(self.path, self.data, mode=MODE, create_parent=True)
        elif self.mode_changed:
            os.chmod(self.path, MODE)

    def diff(self):
        before, after = self.diff_before, self.diff_after
        if self.mode_changed and not self.content_changed:
            before, after = before + "# mode %04o\n" % self.old_mode, after + "# mode %04o\n" % MODE
        return {"before_header": self.path, "after_header": self.path, "before": before, "after": after}


_FILE_ERRORS = (SnowballError, OSError)


def _file_error(path, error):
    """``error`` (an OSError, or _files' SnowballError) as a SnowballError that names the path and what to do."""
    if isinstance(error, OSError):
        path = error.filename or path
        return SnowballError("Cannot write %s (%s); it was left as it was. Check the owner and permissions of it and "
                             "its directory, and free space, then run again."
                             % (path, error.strerror or error.__class__.__name__), path=path)
    hint = ""
    if "symbolic link" in str(error):
        hint = " If the link is on purpose, point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE at the real file."
    return SnowballError("%s%s" % (error, hint), path=path)


def _check_destination(path):
    try:
        check_private_destination(path, missing_parent_ok=True)
    except _FILE_ERRORS as error:
        raise _file_error(path, error) from None


@contextlib.contextmanager
def _locked(paths, create):
    """Hold an exclusive lock on the directories of ``paths`` (each once, in order) while a read-modify-write
    runs: a role writes one profile per device from parallel forks into one config file.

    ``create``: make a missing directory (mode 0700) first; otherwise a missing one is not locked."""
    descriptors = []
    try:
        for directory in sorted({os.path.dirname(path) for path in paths}):
            if create and not os.path.isdir(directory):
                os.makedirs(directory, mode=0o700, exist_ok=True)
            if os.path.isdir(directory):
                descriptor = os.open(directory, os.O_RDONLY)
                descriptors.append(descriptor)
                fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        for descriptor in descriptors:
            os.close(descriptor)


def _read_text(path):
    data = read_bytes(path)
    if data is None:
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SnowballError("%s is not UTF-8 text; it was left untouched. Fix or move it, then run again." % path,
                            path=path) from None


def plan_profile(credentials_path, config_path, name, access_key_id, secret, ca_bundle, device_ip):
    """The two INI files' plans (credentials first) for profile ``name``; SnowballError before anything is written."""
    credentials_text, credentials_blocks = edit_ini(_read_text(credentials_path), credentials_path,
                                                    [credentials_target(name, access_key_id, secret)])
    config_text, config_blocks = edit_ini(_read_text(config_path), config_path,
                                          config_targets(name, ca_bundle, device_ip))
    (cred_before, cred_after), = credentials_blocks
    return [
        FilePlan(credentials_path, credentials_text.encode("utf-8"),
                 _masked(cred_before), _masked(cred_after, cred_before)),
        FilePlan(config_path, config_text.encode("utf-8"),
                 "".join(_masked(before) for before, _after in config_blocks),
                 "".join(_masked(after, before) for before, after in config_blocks)),
    ]


def apply_plans(plans, check_mode=False):
    """Write the plans in order (each atomically), unless ``check_mode``; True when any changed."""
    changed = False
    for plan in plans:
        if plan.changed and not check_mode:
            try:
                plan.apply()
            except _FILE_ERRORS as error:
                raise _file_error(plan.path, error) from None
        changed |= plan.changed
    return changed


# --- the module's logic


def run(params, run_client, check_mode=False, diff=False, environ=None, add_secret=None, warn=None):
    """Write an AWS CLI/SDK profile for the device the client reaches; return the task result.

    ``params``: ``aws_profile`` (required), ``access_key_id``, ``ca_bundle_dest``, ``device_ip`` (default:
    the IP describe-device reports) and ``client_config_path`` (where the default CA bundle goes).
    ``run_client(args)`` runs ``snowballEdge <args>`` with the task's client credentials and returns
    ``(rc, stdout, stderr)``. ``environ`` is the task's environment (default os.environ), where
    AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE are looked up. ``add_secret(value)`` learns the secret
    key as soon as it is known, so that the shell can mask it anywhere; ``warn(msg)`` reports settings that
    would override the profile.

    The result holds the profile, the access key id, the device IP, the endpoints and the paths, never the
    secret key. SnowballError for every problem, raised before anything is written whenever it can be known
    beforehand.
    """
    environ = os.environ if environ is None else environ
    name = check_profile_name(params.get("aws_profile"))
    credentials_path, config_path = aws_file_paths(environ)
    if params.get("ca_bundle_dest"):
        ca_bundle = _expand(_check_ini_value("ca_bundle_dest", params["ca_bundle_dest"]), environ)
    elif params.get("client_config_path"):
        ca_bundle = default_ca_bundle_path(params["client_config_path"], name)
    else:
        raise SnowballError("Give ca_bundle_dest, or the client's config path for the default beside it.")
    _check_ini_value("ca_bundle_dest", ca_bundle)
    wanted_key = params.get("access_key_id")
    if wanted_key and not _ACCESS_KEY_ID.match(wanted_key):
        raise SnowballError("access_key_id %r is not an access key id (16 to 128 letters and digits, for example "
                            "AKIAIOSFODNN7EXAMPLE)." % (wanted_key,))
    client_config = params.get("client_config_path")
    for path in (credentials_path, config_path, client_config):
        # The bundle's old content would be replaced, and shown in a diff: never one of the files with secrets.
        if path and os.path.realpath(_expand(path, environ)) == os.path.realpath(ca_bundle):
            raise SnowballError("ca_bundle_dest %s is the file of the credentials, the AWS config or the Snowball "
                                "Edge client's config: give a file of its own, for example %s."
                                % (ca_bundle, default_ca_bundle_path(client_config or config_path, name)))
    for path in (ca_bundle, credentials_path, config_path):
        _check_destination(path)

    state, active_ip = parse_device(_client(run_client, "describe-device"))
    if state != UNLOCKED:
        raise SnowballError("The device is %s, not UNLOCKED: its access keys and certificate are only available once "
                            "it is unlocked. Unlock it first (fieldops.snowball.snowball_edge_unlock), then run this "
                            "again." % state, device_state=state)
    if params.get("device_ip"):
        device_ip = normalize_device_ip(params["device_ip"])
    elif active_ip:
        device_ip = normalize_device_ip(active_ip)
    else:
        raise SnowballError("describe-device reports no IP address for the device: give device_ip (the IP on the "
                            "device's display).")
    access_key_id = choose_access_key(parse_access_key_ids(_client(run_client, "list-access-keys")), wanted_key)
    secret = parse_secret_access_key(
        _client(run_client, "get-secret-access-key", "--access-key-id", access_key_id), access_key_id)
    if add_secret:
        add_secret(secret)
    arns = choose_certificates(parse_certificates(_client(run_client, "list-certificates")), device_ip)
    pem = "".join(parse_certificate_pem(_client(run_client, "get-certificate", "--certificate-arn", arn), arn)
                  for arn in arns)

    ca_plan = FilePlan(ca_bundle, pem.encode("ascii"))
    ca_plan.diff_before, ca_plan.diff_after = _certificates_text(ca_plan.old), pem
    # One lock over the whole read-modify-write of the shared files; the plans are all made (and checked)
    # before the first write, so bad input changes nothing. The CA bundle goes first and the config last,
    # so the profile never points at the device before its key and certificate are in place.
    try:
        with _locked((credentials_path, config_path), create=not check_mode):
            plans = [ca_plan] + plan_profile(credentials_path, config_path, name, access_key_id, secret, ca_bundle,
                                             device_ip)
            changed = apply_plans(plans, check_mode)
    except OSError as error:  # creating, locking or reading; writes are wrapped in apply_plans
        raise _file_error(config_path, error) from None

    overriding = overriding_environment(environ)
    if warn and overriding:
        warn("%s set in this environment override the profile's settings for the AWS CLI and SDKs: unset them "
             "where you use --profile %s." % (", ".join(overriding), name))
    result = {
        "changed": changed,
        "aws_profile": name,
        "access_key_id": access_key_id,
        "device_ip": device_ip,
        "endpoints": endpoint_urls(device_ip),
        "region": REGION,
        "certificate_arns": arns,
        "credentials_file": credentials_path,
        "config_file": config_path,
        "ca_bundle": ca_bundle,
    }
    if diff:
        result["diff"] = [plan.diff() for plan in plans if plan.changed]
    return result
