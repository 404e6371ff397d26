# The repository's redis.conf loads in our server and in stock 7.0.15, and
# both end up with the same effective configuration.

proc config_dict {level} {
    set d [dict create]
    foreach {k v} [r $level config get *] {dict set d $k $v}
    # Set by the test framework or the environment, not by the file.
    foreach k {port dir pidfile logfile bind unixsocket daemonize
               enable-debug-command enable-protected-configs enable-module-command
               save appendonly
               cluster-announce-internal-ip cluster-announce-internal-hostname} {
        dict unset d $k
    }
    return $d
}

set conf [file normalize [file join $::tests_root .. redis.conf]]
start_server [list tags {config} binary /usr/bin/redis-server config $conf] {
    start_server [list tags {config} config $conf] {
        test {redis.conf gives the same configuration in ours and stock} {
            set ours [config_dict 0]
            set stock [config_dict -1]
            set diffs {}
            dict for {k v} $stock {
                if {![dict exists $ours $k]} {
                    lappend diffs "$k missing in ours"
                } elseif {[dict get $ours $k] ne $v} {
                    lappend diffs "$k: ours '[dict get $ours $k]' stock '$v'"
                }
            }
            dict for {k v} $ours {
                if {![dict exists $stock $k]} {lappend diffs "$k only in ours"}
            }
            assert_equal {} $diffs
        }
    }
}
