# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the things a Galaxy server would give us available without one.

* amazon.aws (the collection's dependency), and ansible.posix and
  community.general (the tests' json and yaml stdout callbacks, which left
  ansible-core in 2.19): taken from the `ansible` community package on PyPI,
  which ships every collection it includes under ansible_collections/. The
  wheel is downloaded once into .build/downloads and the collections are
  unpacked into each collections root given on the command line.
* ansible-test's pip bootstrap script: ansible-test downloads get-pip-24.2.py
  from a host that cannot be reached here. Its cache is seeded with a small
  script that installs pip from the wheel bundled with the standard library's
  ensurepip, which is all ansible-test asks of it.

Usage: bootstrap_offline.py COLLECTIONS_ROOT [COLLECTIONS_ROOT ...]
"""

import glob
import os
import shutil
import subprocess
import sys
import zipfile

ANSIBLE_PACKAGE = "ansible==12.3.0"
DOWNLOADS = os.path.join(".build", "downloads")
COLLECTIONS = ("amazon/aws", "ansible/posix", "community/general")
GET_PIP_CACHE = os.path.expanduser("~/.ansible/test/cache/get_pip_24_2.py")
GET_PIP_SEED = '''\
"""Stand-in for get-pip.py: install pip from the standard library's bundled wheel."""
import glob
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


def ansible_wheel():
    found = glob.glob(os.path.join(DOWNLOADS, "ansible-12.3.0-*.whl"))
    if not found:
        os.makedirs(DOWNLOADS, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", ANSIBLE_PACKAGE,
                        "-d", DOWNLOADS], check=True)
        found = glob.glob(os.path.join(DOWNLOADS, "ansible-12.3.0-*.whl"))
    return found[0]


def install_collection(wheel, root, collection):
    target = os.path.join(root, "ansible_collections", collection)
    if os.path.exists(os.path.join(target, "MANIFEST.json")):
        return
    shutil.rmtree(target, ignore_errors=True)
    prefix = "ansible_collections/%s/" % collection
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                archive.extract(member, root)
    print("%s installed in %s" % (collection.replace("/", "."), root))


def seed_get_pip():
    """Seed the cache, unless it holds the real script (fetched where the host is reachable)."""
    if os.path.exists(GET_PIP_CACHE):
        with open(GET_PIP_CACHE, encoding="utf-8") as handle:
            if GET_PIP_SEED.splitlines()[0] not in handle.read():
                return
    os.makedirs(os.path.dirname(GET_PIP_CACHE), exist_ok=True)
    with open(GET_PIP_CACHE, "w", encoding="utf-8") as handle:
        handle.write(GET_PIP_SEED)


def main():
    wheel = ansible_wheel()
    for root in sys.argv[1:]:
        for collection in COLLECTIONS:
            install_collection(wheel, root, collection)
    seed_get_pip()


if __name__ == "__main__":
    main()
