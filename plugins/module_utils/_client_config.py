# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Snowball Edge client's config file (the profile store), the transient client home, and the client's
Java ``user.home``: the one owner of every read and write of that file.

The file is the one ``snowballEdge configure`` and AWS OpsHub write:
``<home>/.aws/snowball/config/snowball-edge.config``, plaintext JSON
``{"version": 1, "profiles": {NAME: {...}}}``. The client reads only that
path, under its Java ``user.home``.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import stat
import tempfile

from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._files import check_private_destination
from ansible_collections.fieldops.snowball.plugins.module_utils._files import FilePlan
from ansible_collections.fieldops.snowball.plugins.module_utils._files import ensure_mode
from ansible_collections.fieldops.snowball.plugins.module_utils._files import locked
from ansible_collections.fieldops.snowball.plugins.module_utils._files import make_private_directories
from ansible_collections.fieldops.snowball.plugins.module_utils._files import os_error_text
from ansible_collections.fieldops.snowball.plugins.module_utils._files import read_bytes
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import UNLOCK_CODE_PATTERN
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_client_profile_name

CONFIG_SUFFIX = os.path.join(".aws", "snowball", "config", "snowball-edge.config")
# How the option docs name the default: resolved in code (default_config_path), never by expanding ~ with $HOME.
DEFAULT_CONFIG_PATH = os.path.join("<the client's home>", CONFIG_SUFFIX)
TRANSIENT_PREFIX = "fieldops-snowball-"


# The variables HotSpot reads options from, in its order (arguments.cpp): JAVA_TOOL_OPTIONS before the command
# line, _JAVA_OPTIONS after it, so a -D in _JAVA_OPTIONS wins over the same -D anywhere else.
JAVA_OPTION_VARIABLES = ("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS")
# HotSpot splits with C's isspace() in the "C" locale: these six and no others. Python's str.isspace() would
# also split on \x1c-\x1f and no-break spaces, which HotSpot keeps inside an option.
_C_WHITESPACE = " \t\n\v\f\r"


def split_java_options(value, variable="JAVA_TOOL_OPTIONS"):
    """An option variable split as HotSpot splits it: on C whitespace; '...' and "..." (opening anywhere in an
    option) keep everything up to the same quote; no escapes. An unclosed quote stops the JVM, so it is
    refused here (without showing the value) rather than guessed at."""
    tokens, current, quote, started = [], [], None, False
    for char in value or "":
        if quote:
            if char == quote:
                quote = None
            else:
                current.append(char)
        elif char in "'\"":
            quote, started = char, True
        elif char in _C_WHITESPACE:
            if started:
                tokens.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if quote:
        raise SnowballError("%s has a quote that is never closed, so the Snowball Edge client (Java) would not start "
                            "(\"Could not create the Java Virtual Machine\"). Fix %s, then run again."
                            % (variable, variable))
    if started:
        tokens.append("".join(current))
    return tokens


def java_option(name, value):
    """One -Dname=value for JAVA_TOOL_OPTIONS, quoted so that HotSpot keeps a value with spaces whole."""
    option = "-D%s=%s" % (name, value)
    if not any(char.isspace() or char in "'\"" for char in option):
        return option
    if '"' not in option:
        return '"%s"' % option
    if "'" not in option:
        return "'%s'" % option
    raise SnowballError("The path %s holds both kinds of quotes; the Snowball Edge client (Java) cannot be pointed at "
                        "it. Use a config_path without quotes." % value)


def java_user_home(environ=None):
    """The home directory the client (a Java program) reads its config under: Java's ``user.home``.

    That is the last ``-Duser.home`` in ``JAVA_TOOL_OPTIONS`` then ``_JAVA_OPTIONS`` (the JVM itself reads both,
    the second last, so it wins), else the password database's home of this user (``getpwuid``, as the JDK's
    java_props_md.c does), NOT ``$HOME``. Since JDK 19 (JDK-8280357) Java falls back to ``$HOME`` only when
    that home is missing or shorter than two characters (such as ``/``). A relative ``user.home`` is taken
    from the current directory, as the client takes it.
    """
    environ = os.environ if environ is None else environ
    home = None
    for variable in JAVA_OPTION_VARIABLES:
        for token in split_java_options(environ.get(variable, ""), variable):
            # -Dname without "=" sets an empty value (arguments.cpp add_property).
            if token == "-Duser.home" or token.startswith("-Duser.home="):
                home = token[len("-Duser.home="):]
    if home is not None:
        if not home:
            raise SnowballError("JAVA_TOOL_OPTIONS or _JAVA_OPTIONS sets the Snowball Edge client's home to nothing "
                                "(an empty -Duser.home), so it would not find its config. Remove that option or "
                                "give it a directory, then run again.")
        return os.path.abspath(home)
    try:
        home = pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        home = None
    if (not home or len(home) < 2) and environ.get("HOME"):
        home = environ["HOME"]
    if not home:
        raise SnowballError("The Snowball Edge client's home directory is unknown (no -Duser.home in "
                            "JAVA_TOOL_OPTIONS or _JAVA_OPTIONS, no home in the password database, no HOME): set "
                            "config_path.")
    return os.path.abspath(home)


def java_home_environment(home, environ=None):
    """The environment update that makes the client read its config under ``home`` (None: it already does).

    The -Duser.home goes at the end of JAVA_TOOL_OPTIONS and, when _JAVA_OPTIONS is set, of that too: HotSpot
    reads _JAVA_OPTIONS last, so a user.home there would otherwise win and the client would miss ``home``."""
    environ = os.environ if environ is None else environ
    if os.path.realpath(home) == os.path.realpath(java_user_home(environ)):
        return None
    option = java_option("user.home", home)
    return {variable: ("%s %s" % (environ.get(variable, ""), option)).strip() for variable in JAVA_OPTION_VARIABLES
            if variable == "JAVA_TOOL_OPTIONS" or variable in environ}


def default_config_path(environ=None):
    """The config file the client itself reads: under its Java home (see java_user_home), not under $HOME."""
    return os.path.join(java_user_home(environ), CONFIG_SUFFIX)


def home_warning(environ=None):
    """A warning when $HOME is not the client's home (sudo without -H, a container, a CI job...), else None:
    the same ``~`` then means two different files to the user's shell and to the client."""
    environ = os.environ if environ is None else environ
    home = java_user_home(environ)
    shell_home = environ.get("HOME")
    if not shell_home or os.path.realpath(shell_home) == os.path.realpath(home):
        return None
    return ("$HOME is %s, but the Snowball Edge client is a Java program and reads its config under its own home, "
            "%s (the password database's, or -Duser.home in JAVA_TOOL_OPTIONS or _JAVA_OPTIONS): using %s. Set config_path if you "
            "meant another file." % (shell_home, home, os.path.join(home, CONFIG_SUFFIX)))


def client_home(config_path):
    """The home directory under which the client reads ``config_path`` (None: the client's own file)."""
    path = os.path.abspath(os.path.expanduser(config_path)) if config_path else default_config_path()
    if not path.endswith(os.sep + CONFIG_SUFFIX):
        raise SnowballError("config_path %s is not a path the Snowball Edge client reads: it reads only "
                            "HOME/%s. Give a path that ends that way." % (path, CONFIG_SUFFIX))
    return path[:-len(CONFIG_SUFFIX) - 1]


def client_profile(name, job_id, unlock_code, manifest_path, endpoint, cluster_ips):
    """A profile in the format the client and AWS OpsHub write; refuses credentials that cannot work,
    so that a working profile is never replaced with a broken one."""
    if not isinstance(unlock_code, str) or not UNLOCK_CODE_PATTERN.match(unlock_code):
        raise SnowballError("unlock_code is not an unlock code (five groups of five letters or digits joined by "
                            "hyphens); it is not shown. Pass the unlock_code of fieldops.snowball.snowball_unlock_code "
                            "or of the prefetched vault file. Nothing was written.")
    manifest_path = os.path.abspath(os.path.expanduser(manifest_path))
    if not os.path.isfile(manifest_path):
        raise SnowballError("The manifest %s does not exist: download it with fieldops.snowball.snowball_manifest "
                            "first. Nothing was written." % manifest_path)
    return {
        "name": name,
        "jobId": job_id or "",
        "unlockCode": unlock_code,
        "manifestPath": manifest_path,
        "defaultEndpoint": endpoint,
        "isCluster": bool(cluster_ips),
        "deviceIps": list(cluster_ips or []),
    }


class ProfileStore:
    """One client config file. ``check_mode``: report what would change, write nothing."""

    def __init__(self, path=None, check_mode=False):
        """``path`` None: the client's own config file (default_config_path); ``self.warning`` then says when
        $HOME is another directory, for the caller to show.

        Every task that uses the client (or its config) comes through here, so here a killed run's transient
        home, which holds a code, is removed by the next such task, whatever credentials that task uses. Also in
        check mode and in read-only tasks: it is no state of the user's, only what a dead process failed to clean.
        """
        remove_stale_homes()
        self.warning = None
        if path:
            self.path = os.path.abspath(os.path.expanduser(path))
        else:
            self.path = default_config_path()
            self.warning = home_warning()
        self.directory = os.path.dirname(self.path)
        self.check_mode = check_mode

    def load(self):
        """The parsed file, or an empty one; SnowballError when it is not the client's format."""
        try:
            # O_NONBLOCK: a FIFO (or device) at the path must be refused, not read from for ever.
            descriptor = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                os.close(descriptor)
                raise SnowballError("%s is not a regular file; it was left untouched. Move it away, then run again."
                                    % self.path, path=self.path)
            with os.fdopen(descriptor, encoding="utf-8") as handle:
                config = json.load(handle)
        except FileNotFoundError:
            return {"version": 1, "profiles": {}}
        except (ValueError, RecursionError) as error:
            # RecursionError: json gives up on deep nesting ("[[[[..."), which is a damaged file like any other.
            raise SnowballError("%s is not valid JSON (%s); it was left untouched. Fix or move it, then run again."
                                % (self.path, error.__class__.__name__), path=self.path) from None
        except OSError as error:
            raise SnowballError("Could not read %s: %s" % (self.path, os_error_text(error)), path=self.path) from None
        if not isinstance(config, dict) or not isinstance(config.get("profiles", {}), dict):
            raise SnowballError("%s is not a Snowball Edge client config (no profiles object); it was left untouched."
                                % self.path, path=self.path)
        config.setdefault("profiles", {})
        return config

    def names(self):
        return set(self.load()["profiles"])

    def check_location(self):
        """Refuse a config file that others could redirect or replace (a symbolic link, a world-writable
        directory): it holds unlock codes. Reads and changes nothing."""
        check_private_destination(self.path, missing_parent_ok=True)

    def keep_private(self):
        """check_location, then set an existing file that others can read to 0600. True when the mode changed
        (or would, in check mode)."""
        self.check_location()
        try:
            if not os.path.exists(self.path) or not os.stat(self.path).st_mode & 0o077:
                return False
            if not self.check_mode:
                ensure_mode(self.path, 0o600)
        except OSError as error:
            raise SnowballError("Could not make %s private (mode 0600): %s" % (self.path, os_error_text(error)),
                                path=self.path) from None
        return True

    def get(self, name):
        """The profile ``name``, or None when the file holds none of that name."""
        profile = self.load()["profiles"].get(name)
        if profile is not None and not isinstance(profile, dict):
            raise SnowballError("Profile %s in %s is not a JSON object, so the file is damaged; it was left untouched. "
                                "Remove that profile (fieldops.snowball.snowball_edge_profile with state: absent) or "
                                "fix it, then run again." % (name, self.path), path=self.path)
        return profile

    def put(self, name, profile, unless=None):
        """Write (or with ``profile=None`` remove) one profile; every other is kept.

        Returns ``(changed, before, after)``. The file ends up 0600, written atomically; a directory the
        store creates is 0700, and an existing one keeps its mode (it may be shared). ``unless(before)``, called
        under the file's lock with the saved profile: when true, the profile is left as it is.
        """
        check_client_profile_name(name)
        try:
            return self._put(name, profile, unless)
        except OSError as error:
            raise SnowballError("Could not update %s: %s" % (self.path, os_error_text(error)),
                                path=self.path) from None

    def _put(self, name, profile, unless):
        check_private_destination(self.path, missing_parent_ok=True)
        if not os.path.isdir(self.directory):
            if profile is None:
                return False, None, None
            if self.check_mode:
                return True, None, profile
            make_private_directories(self.directory)
        with locked([self.path]):
            config = self.load()
            before = config["profiles"].get(name)
            if before is not None and unless is not None and unless(before):
                return False, before, before
            if profile is None:
                config["profiles"].pop(name, None)
            else:
                config["profiles"][name] = profile
            # Rewritten only when the profile changes: the file's other bytes are the client's or OpsHub's.
            data = (json.dumps(config, indent=2) + "\n").encode() if before != profile else read_bytes(self.path)
            if data is None:
                return False, before, profile
            plan = FilePlan(self.path, data)
            changed = before != profile or plan.mode_changed
            if not self.check_mode:
                changed |= plan.apply()
        return changed, before, profile


@contextlib.contextmanager
def transient_home(profile):
    """A private client home holding only ``profile``, for one task; removed afterwards, also on an
    interrupt. The user's own config file is never touched for a transient profile."""
    remove_stale_homes()
    home = tempfile.mkdtemp(prefix="%s%d-" % (TRANSIENT_PREFIX, os.getpid()))
    try:
        store = ProfileStore(os.path.join(home, CONFIG_SUFFIX))
        store.put(profile["name"], profile)
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def remove_stale_homes():
    """Remove this user's transient homes whose process is gone: a SIGKILL (or a power cut) runs no cleanup,
    and each holds a code. A home names its process; a live one (a parallel fork's) is left alone. Only this
    process's temporary directory is searched (``TMPDIR``): a home under another one is not found."""
    directory = tempfile.gettempdir()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        pid = entry.name[len(TRANSIENT_PREFIX):].partition("-")[0]
        if not (entry.name.startswith(TRANSIENT_PREFIX) and pid.isdigit()):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_uid != os.getuid() or not entry.is_dir(follow_symlinks=False):
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:
            continue  # gone meanwhile, or a live process of another user
