#!/usr/bin/env python3
"""Unpacks an OCI image archive (as `make image` writes it) into a root
filesystem directory and prints the image config's Entrypoint, Cmd, User,
WorkingDir and ExposedPorts as JSON, so a test can run the image in a
chroot the way a container runtime would.

Usage: oci_unpack.py IMAGE.tar ROOTFS_DIR
"""
import json
import os
import sys
import tarfile
import tempfile


def blob(root, digest):
    algo, hexd = digest.split(":", 1)
    return os.path.join(root, "blobs", algo, hexd)


def main():
    archive, rootfs = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as layout:
        with tarfile.open(archive) as t:
            t.extractall(layout)
        with open(os.path.join(layout, "index.json")) as f:
            index = json.load(f)
        with open(blob(layout, index["manifests"][0]["digest"])) as f:
            manifest = json.load(f)
        with open(blob(layout, manifest["config"]["digest"])) as f:
            config = json.load(f)
        os.makedirs(rootfs, exist_ok=True)
        for layer in manifest["layers"]:
            # tarfile detects gzip/uncompressed layers by itself.
            with tarfile.open(blob(layout, layer["digest"])) as t:
                t.extractall(rootfs, numeric_owner=True)
    c = config.get("config", {})
    print(json.dumps({k: c.get(k) for k in ("Entrypoint", "Cmd", "User", "WorkingDir", "ExposedPorts", "Volumes")}))


if __name__ == "__main__":
    main()
