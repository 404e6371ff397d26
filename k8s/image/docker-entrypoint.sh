#!/bin/sh
# docker-entrypoint.sh - the image's entrypoint, following the conventions
# of the official redis image so that ours drops in where redis:7.0 was:
#   - a first argument that is an option ("-x", "--x") or a "*.conf" file
#     means "redis-server <args>";
#   - started as root, redis-server gets /data (and the working directory)
#     chowned to the redis user (uid 999) and is re-executed as that user;
#   - a umask of 0077 unless one was chosen;
#   - protected mode is off by default (the official image builds its
#     server with that default): --protected-mode no is added unless the
#     arguments or the config file given set it.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
    set -- redis-server "$@"
fi

if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis:redis '{}' + 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

um=$(umask)
if [ "$um" = 0022 ] || [ "$um" = 022 ]; then
    umask 0077
fi

if [ "$1" = redis-server ]; then
    mentions=no
    for a in "$@"; do
        case "$a" in
            --protected-mode) mentions=yes ;;
            *.conf) [ -r "$a" ] && grep -qiE '^[[:space:]]*protected-mode[[:space:]]' "$a" && mentions=yes ;;
        esac
    done
    # "-" means the config comes on stdin: leave it alone.
    for a in "$@"; do [ "$a" = - ] && mentions=yes; done
    [ $mentions = no ] && set -- "$@" --protected-mode no
fi

# (Tests print the final command instead of running it.)
[ -n "${REDIS_ENTRYPOINT_DRYRUN:-}" ] && { echo "$@"; exit 0; }
exec "$@"
