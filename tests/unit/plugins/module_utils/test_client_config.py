# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profile store (the client's config file), the transient home and the client's Java home."""

from __future__ import annotations

import json
import os
import pwd
import stat
import subprocess

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _client_config
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.tests.standins.jvm_examples import SPLIT_EXAMPLES, USER_HOME_EXAMPLES


CODE = "abcde-12345-ABCDE-fghij-67890"


JOB = "JID123e4567-e89b-12d3-a456-426655440000"


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "manifest.bin"
    path.write_bytes(b"manifest")
    return str(path)


def profile(name, manifest, code=CODE):
    return _client_config.client_profile(name, JOB, code, manifest, "https://192.0.2.10", [])


def config_in(tmp_path, mode=0o700):
    path = tmp_path / "home" / ".aws" / "snowball" / "config" / "snowball-edge.config"
    path.parent.mkdir(parents=True)
    path.parent.chmod(mode)
    return path


def test_put_keeps_other_profiles_and_settings_and_is_private(tmp_path, manifest):
    path = config_in(tmp_path, mode=0o755)
    opshub = {"version": 1, "opsHubSetting": {"x": 1},
              "profiles": {"opshub": {"name": "opshub", "unlockCode": "u", "extra": [1, 2]}}}
    path.write_text(json.dumps(opshub))
    path.chmod(0o644)
    store = _client_config.ProfileStore(str(path))

    changed, before, after = store.put("mine", profile("mine", manifest))
    assert changed and before is None and after["unlockCode"] == CODE
    written = json.loads(path.read_text())
    assert written["profiles"]["opshub"] == opshub["profiles"]["opshub"]
    assert written["opsHubSetting"] == {"x": 1}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # a directory the store did not create keeps its mode: it may be shared on purpose
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o755

    assert store.put("mine", profile("mine", manifest))[0] is False
    assert store.put("mine", None)[0] is True
    assert json.loads(path.read_text())["profiles"] == opshub["profiles"]


def test_a_directory_it_creates_is_private(tmp_path, manifest):
    path = tmp_path / "home" / ".aws" / "snowball" / "config" / "snowball-edge.config"
    _client_config.ProfileStore(str(path)).put("mine", profile("mine", manifest))
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_world_writable_directory_is_refused_and_keeps_its_mode(tmp_path, manifest):
    path = config_in(tmp_path, mode=0o777)
    for state in (profile("mine", manifest), None):
        with pytest.raises(SnowballError, match="world-writable"):
            _client_config.ProfileStore(str(path)).put("mine", state)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o777 and not path.exists()


def test_check_mode_writes_nothing_and_changes_no_mode(tmp_path, manifest):
    path = config_in(tmp_path)
    path.write_text(json.dumps({"version": 1, "profiles": {}}))
    path.chmod(0o644)
    changed, _before, _after = _client_config.ProfileStore(str(path), check_mode=True).put("mine", profile("mine", manifest))
    assert changed and json.loads(path.read_text())["profiles"] == {}
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    missing = tmp_path / "other" / "snowball-edge.config"
    assert _client_config.ProfileStore(str(missing), check_mode=True).put("mine", profile("mine", manifest))[0]
    assert not missing.parent.exists()


def test_corrupt_config_is_left_untouched(tmp_path, manifest):
    path = config_in(tmp_path)
    path.write_text('{"version": 1, "profiles": {')
    before = path.read_bytes()
    with pytest.raises(SnowballError, match="not valid JSON.*left untouched"):
        _client_config.ProfileStore(str(path)).put("mine", profile("mine", manifest))
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["snowball-edge.config"]


def test_a_deeply_nested_config_is_named_as_not_json_and_left_untouched(tmp_path, manifest):
    path = config_in(tmp_path)
    path.write_text("[" * 200000)
    before = path.read_bytes()
    store = _client_config.ProfileStore(str(path))
    for attempt in (store.names, lambda: store.put("mine", profile("mine", manifest))):
        with pytest.raises(SnowballError, match="%s is not valid JSON.*left untouched. Fix or move it" % path):
            attempt()
    assert path.read_bytes() == before


@pytest.mark.parametrize("entry", ["oops", ["a"], 1])
def test_a_profile_that_is_no_object_is_named_and_can_be_removed(tmp_path, entry):
    path = config_in(tmp_path)
    path.write_text(json.dumps({"version": 1, "profiles": {"x": entry, "kept": {"name": "kept"}}}))
    store = _client_config.ProfileStore(str(path))
    with pytest.raises(SnowballError, match="Profile x in .* is not a JSON object.*state: absent"):
        store.get("x")
    assert store.put("x", None)[0] is True
    assert json.loads(path.read_text())["profiles"] == {"kept": {"name": "kept"}}


@pytest.mark.parametrize("code", ["", "abcde-12345", CODE + "x", None, "abcde 12345 ABCDE fghij 67890"])
def test_a_code_that_cannot_work_is_refused_before_anything_is_written(manifest, code):
    with pytest.raises(SnowballError, match="not an unlock code.*Nothing was written") as caught:
        profile("mine", manifest, code=code)
    assert not code or code not in caught.value.msg


def test_a_missing_manifest_is_refused(tmp_path):
    with pytest.raises(SnowballError, match="does not exist.*Nothing was written"):
        profile("mine", str(tmp_path / "nowhere.bin"))


def test_client_home_is_derived_from_config_path(tmp_path):
    config = tmp_path / "h" / ".aws" / "snowball" / "config" / "snowball-edge.config"
    assert _client_config.client_home(str(config)) == str(tmp_path / "h")
    with pytest.raises(SnowballError, match="not a path the Snowball Edge client reads"):
        _client_config.client_home(str(tmp_path / "elsewhere.config"))


def test_a_transient_home_holds_only_that_profile_and_goes_away(manifest):
    with _client_config.transient_home(profile("fieldops-transient-1", manifest)) as home:
        store = _client_config.ProfileStore(os.path.join(home, _client_config.CONFIG_SUFFIX))
        assert store.names() == {"fieldops-transient-1"}
        assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert not os.path.exists(home)
    with pytest.raises(KeyboardInterrupt):
        with _client_config.transient_home(profile("fieldops-transient-2", manifest)) as home:
            raise KeyboardInterrupt
    assert not os.path.exists(home)


def test_any_use_of_a_client_config_removes_a_killed_runs_transient_home(tmp_path, monkeypatch, manifest):
    monkeypatch.setattr(_client_config.tempfile, "tempdir", str(tmp_path))
    finished = subprocess.Popen(["true"])
    finished.wait()  # its pid names no process any more, as after a SIGKILL
    stale = tmp_path / ("%s%d-x1y2" % (_client_config.TRANSIENT_PREFIX, finished.pid))
    live = tmp_path / ("%s%d-a1b2" % (_client_config.TRANSIENT_PREFIX, os.getpid()))
    for home in (stale, live):
        config = home / _client_config.CONFIG_SUFFIX
        config.parent.mkdir(parents=True)
        config.write_text(json.dumps({"version": 1, "profiles": {"t": profile("t", manifest)}}))
    # A saved profile read in check mode, as the read-only probe reads it: no transient profile involved.
    assert _client_config.ProfileStore(str(config_in(tmp_path)), check_mode=True).get("bench") is None
    assert not stale.exists()
    assert live.exists()  # a parallel fork's home is still in use


def test_store_write_removes_a_killed_writes_copy(tmp_path):
    store = _client_config.ProfileStore(str(tmp_path / "config" / "snowball-edge.config"))
    store.put("one", {"unlockCode": "x"})
    leftover = tmp_path / "config" / ".snowball-edge.config.q1w2e3r4"
    leftover.write_text("every profile's code")
    assert store.put("one", {"unlockCode": "x"})[0] is True  # removing it is a change
    assert not leftover.exists()
    assert store.put("one", {"unlockCode": "x"})[0] is False


def test_check_mode_store_removes_nothing(tmp_path):
    store = _client_config.ProfileStore(str(tmp_path / "config" / "snowball-edge.config"))
    store.put("one", {"unlockCode": "x"})
    leftover = tmp_path / "config" / ".snowball-edge.config.q1w2e3r4"
    leftover.write_text("every profile's code")
    _client_config.ProfileStore(store.path, check_mode=True).put("two", {"unlockCode": "y"})
    assert leftover.exists()


def test_keep_private_tightens_and_refuses(tmp_path):
    store = _client_config.ProfileStore(str(tmp_path / "config" / "snowball-edge.config"))
    store.put("one", {"unlockCode": "x"})
    os.chmod(store.path, 0o644)
    assert _client_config.ProfileStore(store.path, check_mode=True).keep_private() is True
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o644
    assert store.keep_private() is True and stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.keep_private() is False
    os.chmod(os.path.dirname(store.path), 0o777)
    with pytest.raises(SnowballError, match="world-writable"):
        store.keep_private()


def test_a_fifo_at_the_config_path_is_refused_not_read_for_ever(tmp_path):
    path = tmp_path / ".aws" / "snowball" / "config" / "snowball-edge.config"
    path.parent.mkdir(parents=True, mode=0o700)
    os.mkfifo(path)
    with pytest.raises(SnowballError, match="is not a regular file; it was left untouched"):
        _client_config.ProfileStore(str(path)).names()
    assert stat.S_ISFIFO(os.stat(path).st_mode)


# --- the client's home: Java's user.home (JDK java_props_md.c; JDK-8280357), not $HOME


def test_java_home_is_the_last_user_home_in_java_tool_options():
    environ = {"HOME": "/shell", "JAVA_TOOL_OPTIONS": "-Xmx1g -Duser.home=/first '-Duser.home=/with space' -Dx=1"}
    assert _client_config.java_user_home(environ) == "/with space"
    assert _client_config.default_config_path(environ) == "/with space/.aws/snowball/config/snowball-edge.config"


def test_java_home_without_options_is_the_password_databases_not_home():
    environ = {"HOME": "/somewhere/else"}
    assert _client_config.java_user_home(environ) == pwd.getpwuid(os.getuid()).pw_dir
    warning = _client_config.home_warning(environ)
    assert "$HOME is /somewhere/else" in warning and pwd.getpwuid(os.getuid()).pw_dir in warning


def test_no_warning_when_home_is_the_java_home(tmp_path):
    assert _client_config.home_warning({"HOME": str(tmp_path), "JAVA_TOOL_OPTIONS": "-Duser.home=%s" % tmp_path}) is None


@pytest.mark.parametrize("home,option", [("/h", "-Duser.home=/h"), ("/a b", '"-Duser.home=/a b"'),
                                         ('/a "b"', "'-Duser.home=/a \"b\"'")])
def test_java_option_survives_hotspots_splitting(home, option):
    assert _client_config.java_option("user.home", home) == option
    assert _client_config.split_java_options("-Xmx1g " + option) == ["-Xmx1g", "-Duser.home=" + home]


# The JDK's rules as worked examples shared with the simulated client's JVM (tests/standins/jvm_examples.py,
# sources cited in tests/standins/jvm.py): production must read every one as HotSpot does.
@pytest.mark.parametrize("value,options,rule", SPLIT_EXAMPLES, ids=[example[2] for example in SPLIT_EXAMPLES])
def test_java_options_split_as_hotspot_splits_them(value, options, rule):
    if options is None:
        with pytest.raises(SnowballError, match="_JAVA_OPTIONS has a quote that is never closed.*would not start"):
            _client_config.split_java_options(value, "_JAVA_OPTIONS")
    else:
        assert _client_config.split_java_options(value) == options


@pytest.mark.parametrize("environ,passwd_home,user_home,rule", USER_HOME_EXAMPLES,
                         ids=[example[3] for example in USER_HOME_EXAMPLES])
def test_java_home_follows_the_jdk(monkeypatch, environ, passwd_home, user_home, rule):
    def getpwuid(uid):
        if passwd_home is None:
            raise KeyError(uid)
        return pwd.struct_passwd(("me", "x", uid, uid, "", passwd_home, "/bin/sh"))

    monkeypatch.setattr(_client_config.pwd, "getpwuid", getpwuid)
    if user_home in (None, "", "?"):
        # The JVM would not start, or the client would look for its config nowhere sensible: refused, readably.
        with pytest.raises(SnowballError, match="client"):
            _client_config.java_user_home(environ)
    else:
        # Production resolves the home as a path from the current directory, as the client opens it.
        assert _client_config.java_user_home(environ) == os.path.abspath(user_home)


def test_a_transient_home_also_overrides_a_user_home_in_java_options(tmp_path):
    environ = {"JAVA_TOOL_OPTIONS": "-Xmx1g", "_JAVA_OPTIONS": "-Duser.home=/elsewhere"}
    update = _client_config.java_home_environment(str(tmp_path), environ)
    assert _client_config.java_user_home(dict(environ, **update)) == str(tmp_path)
    assert update["JAVA_TOOL_OPTIONS"] == "-Xmx1g -Duser.home=%s" % tmp_path
    assert _client_config.java_home_environment("/elsewhere", environ) is None
    # Without _JAVA_OPTIONS the client is not made to print one more "Picked up" line.
    assert set(_client_config.java_home_environment(str(tmp_path), {})) == {"JAVA_TOOL_OPTIONS"}
