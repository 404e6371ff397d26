# The replication backlog's retained history as stock 7.0 keeps it: whole
# blocks trimmed only while the rest still exceeds repl-backlog-size, so
# histlen may exceed the size by up to a block, and a PSYNC from just
# beyond repl-backlog-size bytes ago continues. The same writes run on a
# stock master and on ours; INFO's backlog fields after every write and the
# PSYNC answers at the edge of the history must be the same.

set ::stock_server /usr/bin/redis-server
source [file join $::tests_root helpers raw_replica.tcl]

proc backlog_fields {} {
    set info [r info replication]
    set out {}
    foreach f {master_repl_offset repl_backlog_first_byte_offset repl_backlog_histlen} {
        regexp "$f:(\\d+)" $info -> v
        lappend out $v
    }
    return $out
}

# A raw replica whose PSYNC answer is read; "+CONTINUE" or "+FULLRESYNC".
proc backlog_psync_answer {replid offset} {
    set fd [raw_sync_start [srv 0 port] {capa eof capa psync2} [list PSYNC $replid $offset]]
    set buf ""
    raw_wait $fd buf {[string first "\r\n" [string trimleft $buf "\n"]] != -1} 10000 "PSYNC $offset"
    close $fd
    set line [string trimleft $buf "\n"]
    return [lindex [split [string range $line 0 [string first "\r\n" $line]-1] " "] 0]
}

# The writes, each followed by the backlog fields: small, medium and large
# values (a 100 KB value spans several blocks), as one list of observations.
proc backlog_write_sequence {} {
    set obs {}
    set sizes {10 1000 1000 5000 16000 1000 30000 100 100000 7 20000 1000 1000 1000}
    set i 0
    foreach size $sizes {
        r set key[incr i] [string repeat x $size]
        lappend obs [list $size {*}[backlog_fields]]
    }
    return $obs
}

# One master (stock or ours): the backlog is created by a raw replica's full
# sync that then goes away, so no replica holds history.
proc backlog_scenario_idle {bin backlog_size} {
    set obs [dict create]
    set opts [list overrides [list repl-backlog-size $backlog_size repl-diskless-sync-delay 0 repl-ping-replica-period 3600]]
    if {$bin ne ""} { lappend opts binary $bin }
    start_server $opts {
        set fd [raw_sync_start [srv 0 port] {capa eof capa psync2} {PSYNC ? -1}]
        raw_fullresync_offset $fd
        raw_sync_rdb $fd
        close $fd
        wait_for_condition 100 50 {[s connected_slaves] == 0} else { fail "raw replica still attached" }
        dict set obs writes [backlog_write_sequence]
        lassign [backlog_fields] off first histlen
        regexp {master_replid:([0-9a-f]+)} [r info replication] -> replid
        dict set obs histlen_over_size [expr {$histlen > $backlog_size}]
        # The edge: the first byte held continues, the one before does not,
        # and so does the byte just beyond repl-backlog-size ago (held in the
        # extra part of the oldest block when histlen exceeds the size).
        set beyond [expr {$off + 1 - $backlog_size - 1}]
        dict set obs psync_first [backlog_psync_answer $replid $first]
        dict set obs psync_before_first [backlog_psync_answer $replid [expr {$first - 1}]]
        dict set obs psync_beyond_size [backlog_psync_answer $replid $beyond]
        dict set obs psync_next [backlog_psync_answer $replid [expr {$off + 1}]]
    }
    return $obs
}

# A replica that took its diskless snapshot but never acknowledges it: the
# stream waits for its ACK, and stock keeps every block it still has to send.
proc backlog_scenario_held {bin} {
    set obs [dict create]
    set opts [list overrides [list repl-backlog-size 16384 repl-diskless-sync yes repl-diskless-sync-delay 0 repl-ping-replica-period 3600]]
    if {$bin ne ""} { lappend opts binary $bin }
    start_server $opts {
        set fd [raw_sync_start [srv 0 port] {capa eof capa psync2} {PSYNC ? -1}]
        raw_fullresync_offset $fd
        raw_sync_rdb $fd
        wait_for_condition 100 50 {[string match "*state=wait_bgsave*" [r info replication]] == 0} else {
            fail "snapshot still in progress"
        }
        dict set obs held_writes [backlog_write_sequence]
        close $fd
        wait_for_condition 100 50 {[s connected_slaves] == 0} else { fail "raw replica still attached" }
        # Gone: the next write trims what it held.
        r set after [string repeat y 100]
        dict set obs after_release [backlog_fields]
    }
    return $obs
}

proc backlog_collect {bin} {
    set obs [dict create]
    foreach size {16384 100000} {
        dict set obs idle_$size [backlog_scenario_idle $bin $size]
    }
    dict set obs held [backlog_scenario_held $bin]
    return $obs
}

tags {repl} {
    set stock [backlog_collect $::stock_server]
    set ours [backlog_collect ""]
    foreach scenario [dict keys $stock] {
        foreach key [dict keys [dict get $stock $scenario]] {
            test "replication backlog as stock: $scenario $key" {
                assert_equal [dict get $stock $scenario $key] [dict get $ours $scenario $key]
            }
        }
    }
    test "replication backlog: the stock run covered the edge" {
        assert_equal 1 [dict get $stock idle_16384 histlen_over_size]
        assert_equal +CONTINUE [dict get $stock idle_16384 psync_beyond_size]
        assert_equal +FULLRESYNC [dict get $stock idle_16384 psync_before_first]
        # Held by the silent replica: nothing trimmed while it was there.
        assert_equal 1 [lindex [dict get $stock held held_writes] end 2]
    }
}
