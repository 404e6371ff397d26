# The container image (`make image`, utils/build-image.sh): built without a
# Docker engine, unpacked here like a runtime would (tests/helpers/
# oci_unpack.py) and run in a chroot: our redis-server, the stock
# redis-cli, and the entrypoint's conventions from the official image
# (options-only arguments, dropping to uid 999, protected mode off).
# Needs root and Debian's mirror (debootstrap); about a minute.

proc image_needs {} {
    if {[catch {exec id -u} uid] || $uid != 0} {skip "needs root (chroot)"}
    foreach t {debootstrap buildah} {
        if {[auto_execok $t] eq {}} {skip "$t not installed (deps/install.sh installs it)"}
    }
    # A SANITIZE= build needs the compiler's runtime, which the slim image
    # does not ship.
    set bin [file join [file dirname $::tests_root] src redis-server]
    if {![catch {exec ldd $bin} libs] && [regexp {lib(a|ub)san} $libs]} {
        skip "the image takes release builds, not sanitizer ones"
    }
}

proc image_chroot {root args} {
    exec chroot $root {*}$args
}

tags {image} {
    test {image: builds, unpacks, and runs our server and the entrypoint} {
        image_needs
        set work [file join $::tests_root tmp image.[pid]]
        file mkdir $work
        set archive [file join $work image.tar]
        set root [file join $work rootfs]
        set pid {}
        try {
            exec [file join [file dirname $::tests_root] utils build-image.sh] $archive 2>@1
            set config [exec python3 [file join $::tests_root helpers oci_unpack.py] $archive $root]
            assert_match {*"Entrypoint": \["docker-entrypoint.sh"\]*"Cmd": \["redis-server"\]*"WorkingDir": "/data"*} $config
            assert_match "Redis server v=7.0.15*" [image_chroot $root redis-server --version]
            assert_match "redis-cli 7.0.15*" [image_chroot $root redis-cli --version]
            # Options only: the entrypoint prepends redis-server.
            assert_match "Redis server v=7.0.15*" [image_chroot $root docker-entrypoint.sh --version]
            # Started as root, the server runs as redis (999) in /data with
            # protected mode off.
            exec mount -t proc proc [file join $root proc]
            # The port is taken only now, after the minute of building, so
            # that nothing else has had time to grab it.
            set port [find_available_port]
            set pid [exec chroot $root sh -c "cd /data && exec docker-entrypoint.sh --port $port --save ''" \
                >& [file join $work server.log] &]
            wait_for_condition 100 50 {
                ![catch {exec redis-cli -p $port ping} out] && $out eq "PONG"
            } else {
                fail "the server in the image did not start: [log_tail [file join $work server.log]]"
            }
            # The server answering must be the one just started (pid of the
            # chroot'ed process tree), not some other process on the port.
            set spid [string trim [exec redis-cli -p $port info server | grep process_id | cut -d: -f2]]
            assert_equal $pid $spid
            assert_equal {protected-mode no} [split [exec redis-cli -p $port config get protected-mode] \n]
            assert_equal {dir /data} [split [exec redis-cli -p $port config get dir] \n]
            assert_match "*999*" [exec awk {/^Uid:/ {print $2}} /proc/$spid/status]
            # A config file that sets protected-mode keeps its choice.
            set fd [open [file join $root data my.conf] w]
            puts $fd "protected-mode yes"
            close $fd
            assert_equal "redis-server /data/my.conf --port 1" \
                [image_chroot $root env REDIS_ENTRYPOINT_DRYRUN=1 sh -c "cd /data && exec setpriv --reuid=999 --regid=999 --clear-groups docker-entrypoint.sh /data/my.conf --port 1 2>&1" ]
        } finally {
            if {$pid ne {}} {catch {exec redis-cli -p $port shutdown nosave}; kill_process $pid}
            catch {exec umount [file join $root proc]}
            if {!$::dont_clean} {file delete -force $work}
        }
    }
}
