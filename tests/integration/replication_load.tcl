# Replication under redis-benchmark load, for each pairing with stock
# Redis 7.0.15 (stock master -> our replica, our master -> stock replica,
# ours -> ours). While the load runs the link is killed from both ends and
# the replica is restarted from its own RDB: every one of these must be a
# partial resync (as between two stock servers), and at the end offsets
# and DEBUG DIGEST must agree exactly.

set ::stock_server /usr/bin/redis-server

proc load_link_up {level} {
    expr {[status [srv $level client] master_link_status] eq "up"}
}

# Start redis-benchmark in the background against port; returns its pid.
proc load_start_benchmark {port datasize logfile} {
    exec redis-benchmark -p $port -t set,lpush,incr,hset,zadd -n 20000 \
        -r 1000 -d $datasize -P 16 -q >$logfile 2>@1 &
}

# Wait until the master's stream has grown by at least bytes since from
# (or the benchmark is over).
proc load_wait_stream {m from bytes bpid} {
    wait_for_condition 200 10 {
        [status $m master_repl_offset] >= $from + $bytes || ![process_is_alive $bpid]
    } else { fail "no load on the master" }
}

proc load_wait_benchmark {bpid logfile} {
    wait_for_condition 300 100 {![process_is_alive $bpid]} else {
        fail "redis-benchmark did not finish"
    }
    set out [exec cat $logfile]
    assert_no_match "*rror*" $out
}

# Offsets on both ends equal and the datasets identical.
proc load_assert_in_sync {m rep} {
    wait_for_condition 100 100 {
        [status $m master_repl_offset] == [status $rep master_repl_offset] &&
        [status $m master_repl_offset] == [status $rep slave_repl_offset]
    } else {
        fail "offsets differ: master [status $m master_repl_offset] replica [status $rep master_repl_offset] / [status $rep slave_repl_offset]"
    }
    assert_equal [$m debug digest] [$rep debug digest]
    assert_equal [$m dbsize] [$rep dbsize]
}

# The master's (server -1) resync counters.
proc load_sync_counters {} {
    list [s -1 sync_full] [s -1 sync_partial_ok] [s -1 sync_partial_err]
}

# Since before: no full sync, partial more partial resyncs, none refused.
proc load_assert_resyncs {before partial} {
    lassign $before full ok err
    assert_equal [list $full [expr {$ok + $partial}] $err] [load_sync_counters]
}

foreach {mbin rbin datasize label} [list \
        $::stock_server {} 2000 "stock master, our replica" \
        {} $::stock_server 100 "our master, stock replica" \
        {} {} 800 "our master, our replica"] {
    set mopts [list overrides {repl-diskless-sync-delay 0 repl-backlog-size 200mb}]
    if {$mbin ne ""} { lappend mopts binary $mbin }
    # The replica saves on SIGTERM (restart_server) so it restarts from an
    # RDB that carries its replid and offset.
    set ropts [list overrides {save {900 1}}]
    if {$rbin ne ""} { lappend ropts binary $rbin }
    start_server $mopts {
        set m [srv 0 client]
        $m set seed 1
        start_server $ropts {
            set rep [srv 0 client]
            set blog [file join [srv 0 dir] benchmark.log]
            test "$label: initial full sync" {
                $rep replicaof [srv -1 host] [srv -1 port]
                wait_for_condition 50 100 {[load_link_up 0]} else { fail "no link" }
                assert_equal 1 [s -1 sync_full]
            }
            test "$label: links killed from both ends under load resync partially" {
                set before [load_sync_counters]
                set bpid [load_start_benchmark [srv -1 port] $datasize $blog]
                set start [status $m master_repl_offset]
                load_wait_stream $m $start 500000 $bpid
                $rep client kill type master
                wait_for_condition 100 20 {[load_link_up 0]} else { fail "no link" }
                load_wait_stream $m [status $m master_repl_offset] 500000 $bpid
                $m client kill type replica
                wait_for_condition 100 20 {[load_link_up 0]} else { fail "no link" }
                load_wait_benchmark $bpid $blog
                load_assert_in_sync $m $rep
                load_assert_resyncs $before 2
            }
            test "$label: replica restarted under load resyncs partially" {
                set before [load_sync_counters]
                set bpid [load_start_benchmark [srv -1 port] $datasize $blog]
                # The config file must name the master for the restart.
                $rep config rewrite
                load_wait_stream $m [status $m master_repl_offset] 500000 $bpid
                restart_server 0
                set rep [srv 0 client]
                wait_for_condition 100 50 {[load_link_up 0]} else { fail "no link after restart" }
                load_wait_benchmark $bpid $blog
                load_assert_in_sync $m $rep
                load_assert_resyncs $before 1
            }
        }
    }
}
