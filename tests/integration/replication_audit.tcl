# Replication details found in the persistence/replication audit
# (docs/audit-persistence.md): the same steps run on a stock master with a
# stock replica and on our master with our replica, and what each pair
# shows (INFO replication shapes, lag while waiting for the snapshot, the
# replica's first PSYNC, min-replicas-max-lag, WAIT on a stopped replica,
# replica-read-only no, repl-backlog-ttl) must be the same.

set ::stock_server /usr/bin/redis-server

# INFO replication as "name" lines in order; a slaveN line keeps its key
# names (ip, port, state, offset, lag) but not their values.
proc audit_info_shape {client} {
    set shape {}
    foreach line [split [$client info replication] "\r\n"] {
        if {$line eq "" || [string match "#*" $line]} continue
        set kv [split $line :]
        set name [lindex $kv 0]
        if {[string match slave* $name] && [string match *=* [lindex $kv 1]]} {
            set keys {}
            foreach pair [split [lindex $kv 1] ,] { lappend keys [lindex [split $pair =] 0] }
            lappend shape "$name:[join $keys ,]"
        } else {
            lappend shape $name
        }
    }
    return $shape
}

# The value of key `field` in the master's "slave0:" line.
proc audit_slave0 {client field} {
    set info [$client info replication]
    if {![regexp {slave0:([^\r\n]*)} $info -> line]} { return "" }
    foreach pair [split $line ,] {
        lassign [split $pair =] k v
        if {$k eq $field} { return $v }
    }
    return ""
}

# Polled while a replica waits: keeps the largest lag seen, returns the state.
proc audit_note_lag {client} {
    set info [$client info replication]
    set state ""
    if {[regexp {slave0:[^\r\n]*state=([a-z_]+)[^\r\n]*lag=(-?[0-9]+)} $info -> state lag]} {
        if {$state eq "wait_bgsave" && $lag > $::audit_max_lag} { set ::audit_max_lag $lag }
    }
    return $state
}

proc audit_link_up {client} {
    expr {[status $client master_link_status] eq "up"}
}

# Runs the steps on one master/replica pair built from `bin` ("" = ours)
# and returns a dict of observations.
proc audit_replication_pair {bin} {
    set obs [dict create]
    set mopts [list overrides {repl-diskless-sync yes repl-diskless-sync-delay 3}]
    if {$bin ne ""} { lappend mopts binary $bin }
    start_server $mopts {
        set m [srv 0 client]
        $m set a 1
        set ropts [list overrides [list replicaof "[srv 0 host] [srv 0 port]"]]
        if {$bin ne ""} { lappend ropts binary $bin }
        start_server $ropts {
            set rep [srv 0 client]
            set rpid [srv 0 pid]
            # The master waits out the diskless delay: the replica is
            # listed, waiting for the snapshot, with no lag yet.
            wait_for_condition 100 50 {[audit_slave0 $m state] eq "wait_bgsave"} else {
                fail "replica not waiting for the snapshot"
            }
            dict set obs waiting_offsets [list [status $rep slave_read_repl_offset] [status $rep slave_repl_offset]]
            # The largest lag shown over the whole wait (3 s): stock shows a
            # lag for online replicas only.
            set ::audit_max_lag 0
            wait_for_condition 100 50 {[audit_note_lag $m] ne "wait_bgsave"} else {
                fail "the transfer did not start"
            }
            dict set obs waiting_lag_max $::audit_max_lag
            dict set obs no_cached_master [expr {[catch {
                verify_log_message 0 "*Partial resynchronization not possible (no cached master)*" 0
            }] == 0}]
            wait_for_condition 100 100 {[audit_link_up $rep]} else { fail "no link" }
            # The diskless transfer is a fork like any other: counted, and
            # its copy-on-write reported through the info pipe.
            wait_for_condition 50 100 {[status $m rdb_bgsave_in_progress] eq "0"} else {
                fail "transfer child still running"
            }
            dict set obs forks_after_sync [status $m total_forks]
            dict set obs transfer_cow_reported [expr {[status $m rdb_last_cow_size] > 0}]

            $m config set min-replicas-to-write 1
            $m config set min-replicas-max-lag 2
            wait_for_condition 50 100 {[status $m min_slaves_good_slaves] eq "1"} else {
                fail "replica not counted as good"
            }
            dict set obs master_shape [audit_info_shape $m]
            dict set obs replica_shape [audit_info_shape $rep]
            dict set obs write_with_good [$m set b 2]

            # A stopped replica stops acknowledging: after max-lag it is not
            # good any more, writes are refused and WAIT times out.
            exec kill -STOP $rpid
            set err ""
            wait_for_condition 100 100 {[status $m min_slaves_good_slaves] eq "0"} else {
                exec kill -CONT $rpid
                fail "stopped replica still good"
            }
            catch {$m set c 3} err
            dict set obs write_without_good $err
            $m config set min-replicas-to-write 0
            dict set obs wait_stopped [$m wait 1 200]
            exec kill -CONT $rpid
            wait_for_condition 100 100 {[audit_slave0 $m lag] ne "" && [audit_slave0 $m lag] <= 1} else {
                fail "replica did not come back"
            }

            $rep config set replica-read-only no
            dict set obs rw_replica_write [$rep set local 1]
            dict set obs rw_replica_flag [status $rep slave_read_only]
            # Its own keys with a TTL: no master sends their DEL, the
            # replica expires them itself (DBSIZE drops, not only GET).
            set before [$rep dbsize]
            $rep set local:short 1 px 100
            $rep set local:long 1 ex 1000
            set expired 1
            wait_for_condition 50 100 {[$rep dbsize] == $before + 1} else { set expired 0 }
            dict set obs rw_replica_own_ttl_expired $expired
            dict set obs rw_replica_long_ttl_kept [expr {[$rep ttl local:long] > 900}]
            $rep config set replica-read-only yes

            # Without replicas the backlog lives repl-backlog-ttl seconds,
            # then goes with the history it described.
            set oldid [status $m master_replid]
            $m config set repl-backlog-ttl 1
            $rep replicaof no one
            wait_for_condition 100 100 {[status $m repl_backlog_active] eq "0"} else {
                fail "backlog not freed"
            }
            dict set obs ttl_new_replid [expr {[status $m master_replid] ne $oldid}]
            dict set obs ttl_replid2 [status $m master_replid2]
            dict set obs ttl_log [expr {[catch {
                verify_log_message -1 "*Replication backlog freed after 1 seconds without connected replicas.*" 0
            }] == 0}]
        }
    }
    return $obs
}

# A slow snapshot (rdb-key-save-delay) seen from the replica: its sync
# fields before the size is known (disk-based), and bytes arriving before
# the child ends (diskless: the child flushes as it goes).
proc audit_slow_sync {bin} {
    set obs [dict create]
    foreach diskless {no yes} {
        set mopts [list overrides [list repl-diskless-sync $diskless repl-diskless-sync-delay 0]]
        if {$bin ne ""} { lappend mopts binary $bin }
        start_server $mopts {
            set m [srv 0 client]
            for {set i 0} {$i < 1500} {incr i} { $m set key:$i [string repeat x 20] }
            $m config set rdb-key-save-delay 2000
            set ropts {}
            if {$bin ne ""} { lappend ropts binary $bin }
            start_server $ropts {
                set rep [srv 0 client]
                $rep replicaof [srv -1 host] [srv -1 port]
                if {$diskless eq "no"} {
                    wait_for_condition 100 20 {[status $rep master_sync_in_progress] eq "1"} else {
                        fail "no transfer"
                    }
                    dict set obs disk_unknown_size [list [status $rep master_sync_total_bytes] \
                        [status $rep master_sync_read_bytes] [status $rep master_sync_perc]]
                } else {
                    wait_for_condition 200 20 {
                        [status $rep master_sync_read_bytes] ne "" && [status $rep master_sync_read_bytes] > 0
                    } else {
                        fail "no bytes during the transfer"
                    }
                    dict set obs diskless_bytes_early [list [status $m rdb_bgsave_in_progress] \
                        [status $rep master_sync_total_bytes] [status $rep master_sync_perc]]
                }
                $m config set rdb-key-save-delay 0
                wait_for_condition 100 100 {[audit_link_up $rep]} else { fail "no link" }
            }
        }
    }
    return $obs
}

# A master restarted from its own RDB (the save on SHUTDOWN keeps replid
# and offset) takes its replica back with a partial resync.
proc audit_master_restart {bin} {
    set obs [dict create]
    set mopts [list overrides {repl-diskless-sync-delay 0}]
    if {$bin ne ""} { lappend mopts binary $bin }
    start_server $mopts {
        r set a 1
        set ropts [list overrides [list replicaof "[srv 0 host] [srv 0 port]"]]
        if {$bin ne ""} { lappend ropts binary $bin }
        start_server $ropts {
            set rep [srv 0 client]
            wait_for_condition 100 100 {[audit_link_up $rep]} else { fail "no link" }
            r -1 set b 2
            wait_for_condition 50 100 {[$rep get b] eq "2"} else { fail "not replicated" }
            # CONFIG SET repl-backlog-size keeps the history: grown, all of
            # it (a dropped link right after still resyncs partially);
            # shrunk, the newest part (stock trims in 16 KB blocks).
            for {set i 0} {$i < 300} {incr i} { r -1 set big:$i [string repeat x 100] }
            wait_for_condition 50 100 {[$rep dbsize] == [r -1 dbsize]} else { fail "not replicated" }
            set hist [s -1 repl_backlog_histlen]
            r -1 config set repl-backlog-size 2mb
            dict set obs grow_keeps_history [expr {[s -1 repl_backlog_histlen] == $hist}]
            set partial [s -1 sync_partial_ok]
            $rep client kill type master
            wait_for_condition 100 100 {[audit_link_up $rep] && [s -1 sync_partial_ok] > $partial} else {
                fail "no partial resync after the resize"
            }
            dict set obs grow_then_partial [expr {[s -1 sync_partial_ok] - $partial}]
            r -1 config set repl-backlog-size 16kb
            set h [s -1 repl_backlog_histlen]
            dict set obs shrink_keeps_newest [expr {$h >= 16384 && $h <= 2 * 16384 &&
                [s -1 repl_backlog_first_byte_offset] + $h == [s -1 master_repl_offset] + 1}]
            # SHUTDOWN SAVE: the final GETACK round to the replica comes
            # before the save, so the file's offset is the replica's.
            set mpid [srv -1 pid]
            catch {r -1 shutdown save}
            wait_for_condition 100 50 {![process_is_alive $mpid]} else { fail "master still running" }
            restart_server -1
            wait_for_condition 100 100 {[audit_link_up $rep]} else { fail "no link after the restart" }
            dict set obs restart_syncs [list [s -1 sync_full] [s -1 sync_partial_ok]]
            r -1 set c 3
            wait_for_condition 50 100 {[$rep get c] eq "3"} else { fail "stream not resumed" }
            dict set obs restart_same_data [expr {[r -1 debug digest] eq [$rep debug digest]}]
        }
    }
    return $obs
}

# Both scenarios for one binary; an error on the way (a failed wait)
# is kept as an observation, so the comparisons below still run.
proc audit_collect {bin} {
    set obs [dict create]
    foreach scenario {audit_replication_pair audit_slow_sync audit_master_restart} {
        if {[catch {set obs [dict merge $obs [$scenario $bin]]} err]} {
            dict set obs error_in_$scenario $err
        }
    }
    return $obs
}

tags {repl} {
    set stock [audit_collect $::stock_server]
    set ours [audit_collect ""]
    test "replication audit: every step completed on both" {
        assert_equal {} [dict filter $stock key error_*]
        assert_equal {} [dict filter $ours key error_*]
    }
    foreach key [dict keys $stock] {
        if {[string match error_* $key]} continue
        test "replication audit, as stock: $key" {
            set got "(not reached)"
            if {[dict exists $ours $key]} { set got [dict get $ours $key] }
            assert_equal [dict get $stock $key] $got
        }
    }
    test "replication audit: the stock run saw what the checks expect" {
        assert_equal 0 [dict get $stock waiting_lag_max]
        assert_equal {1 1} [dict get $stock waiting_offsets]
        assert_match "NOREPLICAS*" [dict get $stock write_without_good]
        assert_equal 0 [dict get $stock wait_stopped]
        assert_equal 1 [dict get $stock ttl_log]
        assert_equal 1 [dict get $stock forks_after_sync]
        assert_equal 1 [dict get $stock transfer_cow_reported]
        assert_equal {-1 0 -0.00} [dict get $stock disk_unknown_size]
        assert_equal 1 [dict get $stock rw_replica_own_ttl_expired]
        assert_equal {0 1} [dict get $stock restart_syncs]
        assert_equal {1 1 1} [list [dict get $stock grow_keeps_history] [dict get $stock grow_then_partial] [dict get $stock shrink_keeps_newest]]
        assert_equal {1 0 0.00} [dict get $stock diskless_bytes_early]
    }
}
