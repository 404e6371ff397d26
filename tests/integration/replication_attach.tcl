# Full syncs that share a snapshot, on stock Redis 7.0.15 and on ours with
# the same assertions. A replica asking for a full sync while a disk BGSAVE
# runs for another replica joins it ("Waiting for end of BGSAVE for SYNC"):
# the same +FULLRESYNC offset, the stream since the fork, the same RDB file
# and no new fork. It waits for the next snapshot instead when its
# capabilities are narrower than the first replica's, when the BGSAVE was
# not started for replicas ("Can't attach the replica to the current
# BGSAVE") or when the child writes to sockets ("Current BGSAVE has socket
# target"). After a diskless transfer the replica is online at once but the
# stream waits for its first REPLCONF ACK.

set ::stock_server /usr/bin/redis-server
source [file join $::tests_root helpers raw_replica.tcl]

proc attach_lines_matching {level pattern from} {
    set n 0
    foreach line [log_lines_from $level $from] {
        if {[string match $pattern $line]} { incr n }
    }
    return $n
}

proc attach_start_load {port logfile} {
    exec redis-benchmark -p $port -t set,incr,lpush,hset -n 20000 -r 1000 -P 8 -q >$logfile 2>@1 &
}

proc attach_wait_load {bpid logfile} {
    wait_for_condition 300 100 {![process_is_alive $bpid]} else { fail "redis-benchmark did not finish" }
    assert_no_match "*rror*" [exec cat $logfile]
}

proc attach_link_up {level} {
    expr {[status [srv $level client] master_link_status] eq "up"}
}

# The bytes up to and including the SET of key marker in a raw replica's
# stream, once it arrived.
proc attach_stream_until {fd restvar marker} {
    upvar 1 $restvar rest
    set cmd [raw_cmd set $marker x]
    raw_wait $fd rest {[string first $cmd $rest] != -1} 20000 "the stream up to $marker"
    string range $rest 0 [expr {[string first $cmd $rest] + [string length $cmd] - 1}]
}

# The first raw replica of a slow (about 2 s) snapshot: {fd offset}.
proc attach_slow_first {capa} {
    r config set rdb-key-save-delay 100
    set fd [raw_sync_start [srv port] $capa {PSYNC ? -1}]
    list $fd [raw_fullresync_offset $fd]
}

# A raw replica whose request makes the master log pattern (waiting for
# the next snapshot); attach_served takes its snapshot once it comes.
proc attach_must_wait {capa pattern} {
    set from [count_log_lines 0]
    set fd [raw_sync_start [srv port] $capa {PSYNC ? -1}]
    wait_for_log_messages 0 [list $pattern] $from 100 20
    return $fd
}

proc attach_served {fd} {
    raw_fullresync_offset $fd
    raw_sync_rdb $fd
}

proc attach_raw_opts {bin overrides} {
    set opts [list tags {repl attach} overrides $overrides]
    if {$bin ne ""} { lappend opts binary $bin }
    return $opts
}

# Real replicas, under write load.
foreach {mbin rbin label} [list \
        $::stock_server $::stock_server "stock master, stock replicas" \
        {} {} "our master, our replicas" \
        {} $::stock_server "our master, stock replicas"] {
    start_server [attach_raw_opts $mbin {repl-diskless-sync no}] {
        r debug populate 20000 key 10
        start_server [attach_raw_opts $rbin {}] {
            start_server [attach_raw_opts $rbin {}] {
                test "$label: a second replica joins the running BGSAVE" {
                    set mhost [srv -2 host]
                    set mport [srv -2 port]
                    set forks [s -2 total_forks]
                    set from [count_log_lines -2]
                    # About 2 s of snapshot.
                    r -2 config set rdb-key-save-delay 100
                    set blog [file join [srv -2 dir] benchmark.log]
                    set bpid [attach_start_load $mport $blog]
                    r -1 replicaof $mhost $mport
                    wait_for_log_messages -2 {"*Starting BGSAVE for SYNC with target: disk*"} $from 100 20
                    r -2 set before-attach 1
                    r -2 incr counter
                    set from [count_log_lines -2]
                    r replicaof $mhost $mport
                    wait_for_log_messages -2 {"*Waiting for end of BGSAVE for SYNC*"} $from 100 20
                    assert_equal 1 [s -2 rdb_bgsave_in_progress]
                    r -2 set after-attach 1
                    r -2 incr counter
                    wait_for_condition 200 50 {[attach_link_up 0] && [attach_link_up -1]} else { fail "replicas not up" }
                    attach_wait_load $bpid $blog
                    r -2 config set rdb-key-save-delay 0
                    # One fork served both.
                    assert_equal [expr {$forks + 1}] [s -2 total_forks]
                    assert_equal 2 [s -2 sync_full]
                    assert_equal 0 [attach_lines_matching -2 "*Can't attach the replica*" $from]
                    foreach level {0 -1} {
                        wait_for_condition 100 50 {
                            [status [srv -2 client] master_repl_offset] == [status [srv $level client] master_repl_offset]
                        } else { fail "replica $level: offsets differ" }
                        assert_equal [r -2 debug digest] [r $level debug digest]
                    }
                    assert_equal 2 [r 0 get counter]
                }
            }
        }
    }
}

# Raw replicas: the offsets, the file and the stream they get.
foreach {bin label} [list $::stock_server stock {} ours] {
    # No PINGs in the streams compared below.
    start_server [attach_raw_opts $bin {repl-diskless-sync no repl-ping-replica-period 3600}] {
        r debug populate 20000 key 10

        test "$label master: the joining replica gets the first one's offset, RDB and stream" {
            set forks [s total_forks]
            lassign [attach_slow_first {capa eof capa psync2}] fa offa
            r set between-fork-and-attach 1
            set from [count_log_lines 0]
            set fb [raw_sync_start [srv port] {capa eof capa psync2} {PSYNC ? -1}]
            set offb [raw_fullresync_offset $fb]
            verify_log_message 0 "*Waiting for end of BGSAVE for SYNC*" $from
            assert_equal $offa $offb
            r set after-attach 1
            r config set rdb-key-save-delay 0
            r set marker x
            lassign [raw_sync_rdb $fa] rdba resta
            lassign [raw_sync_rdb $fb] rdbb restb
            assert_equal $rdba $rdbb
            set streama [attach_stream_until $fa resta marker]
            set streamb [attach_stream_until $fb restb marker]
            assert_equal $streama $streamb
            assert_match "*between-fork-and-attach*after-attach*" $streama
            # The stream starts at the snapshot point: the offsets agree.
            assert_equal [s master_repl_offset] [expr {$offa + [string length $streama]}]
            assert_equal [expr {$forks + 1}] [s total_forks]
            close $fa
            close $fb
        }

        test "$label master: narrower capabilities wait for the next BGSAVE, wider ones join" {
            wait_for_condition 100 50 {[status r connected_slaves] == 0} else { fail "old replicas linger" }
            set forks [s total_forks]
            set fa [lindex [attach_slow_first {capa eof}] 0]
            set fb [attach_must_wait {capa psync2} "*Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC*"]
            set from [count_log_lines 0]
            set fc [raw_sync_start [srv port] {capa eof capa psync2} {PSYNC ? -1}]
            raw_fullresync_offset $fc
            verify_log_message 0 "*Waiting for end of BGSAVE for SYNC*" $from
            r config set rdb-key-save-delay 0
            foreach fd [list $fa $fc] { raw_sync_rdb $fd }
            attach_served $fb
            assert_equal [expr {$forks + 2}] [s total_forks]
            foreach fd [list $fa $fb $fc] { close $fd }
        }

        test "$label master: a BGSAVE not started for replicas cannot take one" {
            wait_for_condition 100 50 {[status r connected_slaves] == 0} else { fail "old replicas linger" }
            set forks [s total_forks]
            r config set rdb-key-save-delay 100
            r bgsave
            set fa [attach_must_wait {capa eof capa psync2} "*Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC*"]
            r config set rdb-key-save-delay 0
            attach_served $fa
            assert_equal [expr {$forks + 2}] [s total_forks]
            close $fa
        }

        test "$label master: an rdb-only replica's BGSAVE takes only rdb-only replicas" {
            wait_for_condition 100 50 {[status r connected_slaves] == 0} else { fail "old replicas linger" }
            set forks [s total_forks]
            # The rdb-only replica buffers no stream, so a normal one cannot
            # start from its buffer.
            set fa [lindex [attach_slow_first {capa eof rdb-only 1}] 0]
            set fb [attach_must_wait {capa eof} "*Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC*"]
            set from [count_log_lines 0]
            set fc [raw_sync_start [srv port] {capa eof rdb-only 1} {PSYNC ? -1}]
            raw_fullresync_offset $fc
            verify_log_message 0 "*Waiting for end of BGSAVE for SYNC*" $from
            r config set rdb-key-save-delay 0
            assert_equal [lindex [raw_sync_rdb $fa] 0] [lindex [raw_sync_rdb $fc] 0]
            attach_served $fb
            assert_equal [expr {$forks + 2}] [s total_forks]
            foreach fd [list $fa $fb $fc] { close $fd }
        }

        test "$label master: an AOF rewrite delays the replica's BGSAVE" {
            wait_for_condition 100 50 {[status r connected_slaves] == 0} else { fail "old replicas linger" }
            r config set rdb-key-save-delay 100
            r bgrewriteaof
            wait_for_condition 100 20 {[s aof_rewrite_in_progress] == 1} else { fail "no rewrite" }
            set fa [attach_must_wait {capa eof} "*No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed*"]
            r config set rdb-key-save-delay 0
            attach_served $fa
            close $fa
        }

        test "$label master: a disk sync streams at once, without waiting for an ACK" {
            wait_for_condition 100 50 {[status r connected_slaves] == 0} else { fail "old replicas linger" }
            set fa [raw_sync_start [srv port] {capa eof capa psync2} {PSYNC ? -1}]
            raw_fullresync_offset $fa
            set rest [lindex [raw_sync_rdb $fa] 1]
            r set disk-streamed x
            attach_stream_until $fa rest disk-streamed
            close $fa
        }
    }
}

# Diskless masters: a running child cannot take more targets, and the
# stream waits for the replica's first ACK.
foreach {bin label} [list $::stock_server stock {} ours] {
    start_server [attach_raw_opts $bin {repl-diskless-sync yes repl-diskless-sync-delay 0}] {
        r debug populate 20000 key 10

        test "$label master: a socket BGSAVE makes the next replica wait" {
            set forks [s total_forks]
            set fa [lindex [attach_slow_first {capa eof capa psync2}] 0]
            set fb [attach_must_wait {capa eof capa psync2} "*Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC*"]
            r config set rdb-key-save-delay 0
            raw_sync_rdb $fa
            attach_served $fb
            assert_equal [expr {$forks + 2}] [s total_forks]
            close $fa
            close $fb
        }

        test "$label master: after a diskless RDB the stream waits for the first ACK" {
            wait_for_condition 100 50 {[status r connected_slaves] == 0} else { fail "old replicas linger" }
            set from [count_log_lines 0]
            set fa [raw_sync_start [srv port] {capa eof capa psync2} {PSYNC ? -1}]
            set off [raw_fullresync_offset $fa]
            set rest [lindex [raw_sync_rdb $fa] 1]
            wait_for_log_messages 0 {"*Streamed RDB transfer with replica * succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming*"} $from 100 20
            # Online already, as INFO shows it.
            wait_for_condition 100 20 {[string match "*slave0:*state=online*" [r info replication]]} else {
                fail "not online"
            }
            r set held x
            # Nothing was sent: the replica's output is still buffered.
            # (stock 7.0 keeps it in its shared replication buffer: oll, omem).
            set cl [r client list type replica]
            assert {[regexp { obl=[1-9]} $cl] || [regexp { oll=[1-9]} $cl]}
            assert_equal "" $rest
            puts -nonewline $fa [raw_cmd REPLCONF ACK $off]
            attach_stream_until $fa rest held
            close $fa
        }
    }
}
