# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment's two install steps that take their input from the build context (this folder):
the Snowball Edge client from AWS's archive, and this collection from its built tarball.

meta/execution-environment.yml runs it in the image's galaxy stage with the image's own Python:

    python install_from_context.py client DEST
    python install_from_context.py collection COLLECTIONS_PATH [ansible-galaxy options ...]

Each step fails with a message that says what to put where, rather than a container engine's "no such file".
"""

import glob
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_DOWNLOAD = "https://aws.amazon.com/snowball/resources/"
# AWS's Linux client is snowball-client-linux.tar.gz (its top folder snowball-client-linux-VERSION holds bin/);
# a zip of the same tree is taken too.
CLIENT_PATTERNS = ("snowball-client*.tar.gz", "snowball-client*.zip")
COLLECTION_PATTERN = "fieldops-snowball-*.tar.gz"
CLIENT = os.path.join("bin", "snowballEdge")


class BuildContextError(Exception):
    """Something missing or wrong in the build context, in words an administrator acts on."""


def only_one(patterns, what, how_to_add):
    """The one file in this folder matching ``patterns``: none or several is the administrator's to fix."""
    found = sorted(path for pattern in patterns for path in glob.glob(os.path.join(HERE, pattern)))
    if not found:
        raise BuildContextError("no %s in the build context (%s): %s" % (what, ", ".join(patterns), how_to_add))
    if len(found) > 1:
        raise BuildContextError("%d %ss in the build context (%s): keep the one to install"
                                % (len(found), what, ", ".join(os.path.basename(path) for path in found)))
    return found[0]


def inside(root, name):
    """``name`` joined to ``root``, refused when it would land outside it (absolute path, ``..``)."""
    path = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath([path, os.path.realpath(root)]) != os.path.realpath(root):
        raise BuildContextError("the client archive holds %r, outside its own folder: is it AWS's archive?" % name)
    return path


def extract_tar(archive, into):
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            inside(into, member.name)
            if member.issym():  # relative to the link's own folder
                inside(into, os.path.join(os.path.dirname(member.name), member.linkname))
            elif member.islnk():  # relative to the archive's root
                inside(into, member.linkname)
        # Python 3.12's "data" filter also drops setuid bits and device files; the checks above are the floor
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, members, filter="data")
        else:
            tar.extractall(into, members)  # noqa: S202 - every member was checked above


def extract_zip(archive, into):
    """zipfile drops the permission bits: they are put back from each entry's Unix attributes (bin/ is run)."""
    with zipfile.ZipFile(archive) as bundle:
        for entry in bundle.infolist():
            target = inside(into, entry.filename)
            bundle.extract(entry, into)
            mode = (entry.external_attr >> 16) & 0o777
            if mode and not entry.is_dir():
                os.chmod(target, mode)


def client_root(extracted):
    """The folder holding bin/snowballEdge: the archive's one top folder (snowball-client-linux-VERSION) or
    the archive itself."""
    entries = os.listdir(extracted)
    if len(entries) == 1 and os.path.isdir(os.path.join(extracted, entries[0])):
        extracted = os.path.join(extracted, entries[0])
    if not os.path.isfile(os.path.join(extracted, CLIENT)):
        raise BuildContextError("the client archive has no %s (it holds %s): use AWS's Linux client from %s"
                                % (CLIENT, ", ".join(sorted(os.listdir(extracted))[:5]), CLIENT_DOWNLOAD))
    return extracted


def install_client(dest):
    """Unpack AWS's client into ``dest`` and check that it starts on this image (``snowballEdge version``)."""
    archive = only_one(CLIENT_PATTERNS, "Snowball Edge client archive",
                       "download AWS's Linux client from %s and put it in the folder meta/ee/ before the build (AWS "
                       "distributes it; the collection does not ship it)" % CLIENT_DOWNLOAD)
    unpacked = tempfile.mkdtemp(prefix="snowball-client-")
    try:
        if archive.endswith(".zip"):
            extract_zip(archive, unpacked)
        else:
            extract_tar(archive, unpacked)
        if os.path.exists(dest):
            shutil.rmtree(dest)
        shutil.move(client_root(unpacked), dest)
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
    client = os.path.join(dest, CLIENT)
    os.chmod(client, os.stat(client).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    check_client(client)
    print("installed the Snowball Edge client from %s into %s" % (os.path.basename(archive), dest))


def check_client(client):
    """The client is a Java program: its home (user.home) is pointed at a throw-away folder, so that the check
    leaves no log or config in the image."""
    home = tempfile.mkdtemp(prefix="snowball-client-home-")
    env = dict(os.environ, HOME=home, JAVA_TOOL_OPTIONS="-Duser.home=" + home)
    try:
        run = subprocess.run([client, "version"], env=env, capture_output=True, text=True, check=False, timeout=300)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if run.returncode != 0:
        raise BuildContextError("the Snowball Edge client does not start on this image (`snowballEdge version` "
                                "exited %d): %s" % (run.returncode, (run.stderr or run.stdout).strip()[-2000:]))
    print(run.stdout.strip())


def install_collection(collections_path, galaxy_options):
    """``ansible-galaxy collection install`` of the tarball; its dependency amazon.aws is installed already
    (dependencies.galaxy), or else comes from the configured Galaxy server. ``--force``: the tarball is the
    collection the administrator chose, even where the base image has another fieldops.snowball."""
    tarball = only_one((COLLECTION_PATTERN,), "fieldops.snowball tarball",
                       "run `ansible-galaxy collection build --output-path meta/ee` in the collection's checkout, or "
                       "copy the released tarball into meta/ee/")
    command = ["ansible-galaxy", "collection", "install", "--force", "--collections-path", collections_path, tarball]
    subprocess.run(command + list(galaxy_options), check=True)


def main(argv):
    usage = "usage: install_from_context.py client DEST | collection COLLECTIONS_PATH [ansible-galaxy options]"
    if len(argv) < 2 or argv[0] not in ("client", "collection"):
        print(usage, file=sys.stderr)
        return 2
    try:
        if argv[0] == "client":
            install_client(argv[1])
        else:
            install_collection(argv[1], argv[2:])
    except BuildContextError as error:
        print("execution environment build: " + str(error), file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print("execution environment build: %s exited %d" % (" ".join(error.cmd[:3]), error.returncode),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
