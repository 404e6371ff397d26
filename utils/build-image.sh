#!/bin/sh
# utils/build-image.sh - what `make image` runs: builds the image of
# k8s/image/Dockerfile without a Docker engine, into an OCI archive.
#
# A Debian bookworm root filesystem comes from debootstrap (minbase plus
# the packages the Dockerfile installs), is finished in a chroot exactly as
# the Dockerfile's RUN does, gets our redis-server and the entrypoint, and
# is committed by buildah (vfs storage driver, private storage directory,
# no daemon) with the Dockerfile's ENTRYPOINT/CMD/WORKDIR/VOLUME/EXPOSE.
#
#   utils/build-image.sh [OUT.tar]     default build/redis-nat-7.0.15.oci.tar
# Environment: DEBIAN_MIRROR (http://deb.debian.org/debian), IMAGE_NAME.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/redis-nat-7.0.15.oci.tar}
name=${IMAGE_NAME:-redis-nat:7.0.15}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
pkgs=redis-tools,libjemalloc2,libssl3,liblua5.1-0,ca-certificates

for tool in debootstrap buildah; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "image: installing Debian $tool"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $tool
    fi
done
[ -x "$top/src/redis-server" ] || { echo "image: build first (make)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/redis-image.XXXXXX")
cleanup() {
    # debootstrap may leave /proc mounted inside the tree.
    umount "$work/rootfs/proc" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
rootfs=$work/rootfs

echo "image: debootstrap bookworm (minbase + $pkgs)"
debootstrap --variant=minbase --include=$pkgs bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }

# The Dockerfile's RUN, in a chroot. Debian's redis-tools already made a
# redis user with some system uid: give it the official image's 999.
chroot "$rootfs" sh -ec '
    if getent group redis >/dev/null; then groupmod -g 999 redis; else groupadd -r -g 999 redis; fi
    if getent passwd redis >/dev/null; then usermod -u 999 -g 999 -d /data redis; else useradd -r -g redis -u 999 -d /data redis; fi
    for d in /var/lib/redis /var/log/redis; do [ -d $d ] && chown -R redis:redis $d; done
    mkdir -p /data && chown redis:redis /data
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /usr/share/doc/* /usr/share/man/* /usr/share/info/*
'
install -m 755 "$top/src/redis-server" "$rootfs/usr/local/bin/redis-server"
install -m 755 "$top/k8s/image/docker-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"

echo "image: committing $name with buildah"
b() { buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs "$@"; }
ctr=$(b from scratch)
# As one tar layer: buildah add unpacks it keeping owners and modes (a
# directory copy would make everything root's, /data included).
tar --numeric-owner -C "$rootfs" -cf "$work/layer.tar" .
b add "$ctr" "$work/layer.tar" / >/dev/null
b config --entrypoint '["docker-entrypoint.sh"]' --cmd redis-server --workingdir /data \
    --volume /data --port 6379 --port 16379 --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --label org.opencontainers.image.title=redis-nat "$ctr"
mkdir -p "$(dirname "$out")"
rm -f "$out"
b commit --quiet "$ctr" "oci-archive:$out:$name" >/dev/null
echo "image: wrote $out ($(du -h "$out" | cut -f1))"
