# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the things a Galaxy server would give us available without one.

* amazon.aws (the collection's dependency), and ansible.posix and
  community.general (the tests' json and yaml stdout callbacks, which left
  ansible-core in 2.19): taken from the `ansible` community package on PyPI,
  which ships every collection it includes under ansible_collections/. The
  wheel is downloaded once into .build/downloads and the collections are
  unpacked into each collections root given on the command line.
* ansible-test's pip bootstrap script (--seed-get-pip HOME): ansible-test
  downloads get-pip.py (24.2 for ansible-core 2.19, 25.2 for 2.20 and 2.21)
  from a host that may not be reachable, into HOME/.ansible/test/cache. The
  Makefile gives ansible-test a HOME of its own under .build, and that cache
  is seeded with a small script that installs pip from the wheel bundled with
  the standard library's ensurepip, which is all ansible-test asks of it. The
  user's own ~/.ansible is never written.

Usage: bootstrap_offline.py COLLECTIONS_ROOT [COLLECTIONS_ROOT ...]
       bootstrap_offline.py --seed-get-pip HOME
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile

ANSIBLE_PACKAGE = "ansible==12.3.0"
DOWNLOADS = os.path.join(".build", "downloads")
COLLECTIONS = ("amazon/aws", "ansible/posix", "community/general")
# The pip versions whose get-pip.py each supported ansible-test looks for in its cache.
GET_PIP_VERSIONS = ("24_2", "25_2")
GET_PIP_SEED = '''\
"""Stand-in for get-pip.py: install pip from the standard library's bundled wheel."""
import glob
import json
import os
import sys

import ensurepip

wheel = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))[-1]
sys.path.insert(0, wheel)
from pip._internal.cli.main import main  # noqa: E402

# get-pip.py's own flags: without them it installs setuptools and wheel too.
args = sys.argv[1:]
for flag, package in (("--no-setuptools", "setuptools"), ("--no-wheel", "wheel")):
    if flag in args:
        args.remove(flag)
    else:
        args.append(package)
sys.exit(main(["install", "--upgrade", "--force-reinstall"] + args))
'''


def ansible_wheel(package=ANSIBLE_PACKAGE, python=sys.executable):
    """The wheel of ``package`` (ansible==X), downloaded once; ``python`` is one the release supports."""
    pattern = os.path.join(DOWNLOADS, "ansible-%s-*.whl" % package.split("==")[1])
    found = glob.glob(pattern)
    if not found:
        os.makedirs(DOWNLOADS, exist_ok=True)
        subprocess.run([python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
                        package, "-d", DOWNLOADS], check=True)
        found = glob.glob(pattern)
    return found[0]


def _manifest_version(data):
    return json.loads(data)["collection_info"]["version"]


def install_collection(wheel, root, collection):
    """Unpack ``collection`` from the ``ansible`` wheel into ``root``, unless that version is already there."""
    target = os.path.join(root, "ansible_collections", collection)
    prefix = "ansible_collections/%s/" % collection
    with zipfile.ZipFile(wheel) as archive:
        wanted = _manifest_version(archive.read(prefix + "MANIFEST.json"))
    if os.path.exists(os.path.join(target, "MANIFEST.json")):
        with open(os.path.join(target, "MANIFEST.json"), encoding="utf-8") as handle:
            if _manifest_version(handle.read()) == wanted:
                return
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                archive.extract(member, root)
    print("%s %s installed in %s" % (collection.replace("/", "."), wanted, root))


def seed_get_pip(home):
    """Seed the cache of an ansible-test run with HOME=``home``, unless it holds the real script."""
    for version in GET_PIP_VERSIONS:
        cache = os.path.join(home, ".ansible", "test", "cache", "get_pip_%s.py" % version)
        if os.path.exists(cache):
            with open(cache, encoding="utf-8") as handle:
                if GET_PIP_SEED.splitlines()[0] not in handle.read():
                    continue
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(cache, "w", encoding="utf-8") as handle:
            handle.write(GET_PIP_SEED)


def main(argv):
    if argv[:1] == ["--seed-get-pip"]:
        seed_get_pip(os.path.abspath(argv[1]))
        return
    wheel = ansible_wheel()
    for root in argv:
        for collection in COLLECTIONS:
            install_collection(wheel, root, collection)


if __name__ == "__main__":
    main(sys.argv[1:])
