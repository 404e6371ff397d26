# Replication interop with stock Redis 7.0.15: our replica of a stock
# master and a stock replica of our master, disk and diskless full syncs,
# partial resyncs after a killed link and after a replica restart, WAIT,
# read-only errors, a chained replica. Data is compared with DEBUG DIGEST
# (the same dataset gives the same digest on both servers).

set ::stock_server /usr/bin/redis-server
source [file join $::tests_root helpers aof.tcl]

proc repl_fill {n} {
    r select 3
    r set db3 three
    r select 9
    for {set i 0} {$i < $n} {incr i} { r set key:$i [string repeat v$i 20] }
    r set counter 10
    r set vol v px 100000000
}

proc repl_link_up {level} {
    expr {[status [srv $level client] master_link_status] eq "up"}
}

proc repl_wait_digest {master replica} {
    wait_for_condition 50 100 {
        [$master debug digest] eq [$replica debug digest]
    } else {
        fail "digests differ: [$master debug digest] [$replica debug digest]"
    }
}

foreach {mbin rbin label} [list $::stock_server {} "stock master, our replica" \
                                 {} $::stock_server "our master, stock replica"] {
    foreach diskless {no yes} {
        set mopts [list overrides [list repl-diskless-sync $diskless repl-diskless-sync-delay 0]]
        if {$mbin ne ""} { lappend mopts binary $mbin }
        set ropts {}
        if {$rbin ne ""} { lappend ropts binary $rbin }
        start_server $mopts {
            set m [srv 0 client]
            repl_fill 50
            start_server $ropts {
                set rep [srv 0 client]
                test "$label (diskless $diskless): full sync" {
                    $rep select 9
                    $rep replicaof [srv -1 host] [srv -1 port]
                    wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
                    repl_wait_digest $m $rep
                    $rep select 3
                    assert_equal three [$rep get db3]
                    $rep select 9
                }
                test "$label (diskless $diskless): stream, MULTI/EXEC, expiry" {
                    $m set k1 a
                    $m multi
                    $m incr counter
                    $m set k2 b
                    $m exec
                    $m set short v px 50
                    $m sadd s a b
                    wait_for_condition 50 100 {[$m dbsize] == [$rep dbsize] && [$rep get k2] eq "b"} else { fail "not replicated" }
                    assert_equal 11 [$rep get counter]
                    # The master expires the key and sends a DEL.
                    wait_for_condition 50 100 {[$m exists short] == 0 && [$rep exists short] == 0} else { fail "expiry not replicated" }
                    $m del s
                    repl_wait_digest $m $rep
                }
                test "$label (diskless $diskless): WAIT and read-only replica" {
                    $m set w 1
                    assert_equal 1 [$m wait 1 2000]
                    assert_error {READONLY You can't write against a read only replica.} {$rep set x 1}
                    assert_error {*WAIT cannot be used with replica instances*} {$rep wait 1 0}
                }
                test "$label (diskless $diskless): partial resync after killing the link" {
                    set full [s -1 sync_full]
                    $rep client kill type master
                    $m set during v
                    wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
                    repl_wait_digest $m $rep
                    assert_equal $full [s -1 sync_full]
                    assert_morethan [s -1 sync_partial_ok] 0
                    set full [s -1 sync_full]
                    $m client kill type replica
                    $m set during2 v
                    wait_for_condition 50 100 {[repl_link_up 0] && [$rep get during2] eq "v"} else { fail "no link" }
                    assert_equal $full [s -1 sync_full]
                }
                test "$label (diskless $diskless): ROLE" {
                    wait_for_condition 50 100 {[llength [lindex [$m role] 2]] == 1} else { fail "no replica in ROLE" }
                    set role [$m role]
                    assert_equal master [lindex $role 0]
                    assert_equal [srv 0 port] [lindex [lindex $role 2] 0 1]
                    set rrole [$rep role]
                    assert_equal [list slave [srv -1 host] [srv -1 port] connected] [lrange $rrole 0 3]
                }
            }
        }
    }
}

# A replica restarted from its own RDB resumes with a partial resync.
foreach {mbin label} [list $::stock_server "stock master" {} "our master"] {
    set mopts {overrides {repl-diskless-sync-delay 0}}
    if {$mbin ne ""} { lappend mopts binary $mbin }
    start_server $mopts {
        set m [srv 0 client]
        repl_fill 20
        start_server {} {
            test "our replica restart, $label: partial resync from the RDB" {
                r select 9
                r replicaof [srv -1 host] [srv -1 port]
                wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
                $m set before restart
                wait_for_condition 50 100 {[r get before] eq "restart"} else { fail "not replicated" }
                set full [s -1 sync_full]
                r config set save "900 1"
                r config rewrite
                restart_server 0
                set rep [srv 0 client]
                $rep select 9
                wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
                $m set after restart
                wait_for_condition 50 100 {[$rep get after] eq "restart"} else { fail "not replicated" }
                assert_equal $full [s -1 sync_full]
                repl_wait_digest $m $rep
            }
        }
    }
}

# A replica with appendonly yes: after a full sync its AOF must hold the
# master's dataset (a rewrite follows the load, as stock), or a restart
# brings its old data back.
foreach load {disabled swapdb} {
    start_server [list binary $::stock_server overrides {repl-diskless-sync yes repl-diskless-sync-delay 0}] {
        set m [srv 0 client]
        repl_fill 50
        start_server [list overrides [list appendonly yes repl-diskless-load $load]] {
            test "our AOF replica (repl-diskless-load $load) keeps the synced data across a restart" {
                r select 9
                r set mine only-here
                r replicaof [srv -1 host] [srv -1 port]
                wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
                $m set streamed after-sync
                wait_for_condition 50 100 {[r get streamed] eq "after-sync"} else { fail "not replicated" }
                wait_rewrite_done
                set digest [$m debug digest]
                assert_equal $digest [r debug digest]
                # Restarted on its own (REPLICAOF is not in its config): the
                # dataset comes from its AOF alone.
                restart_server 0
                r select 9
                assert_equal $digest [r debug digest]
                assert_equal {} [r get mine]
            }
        }
    }
}

# Chained: stock master -> our replica -> stock sub-replica, same replid.
start_server [list binary $::stock_server overrides {repl-diskless-sync-delay 0}] {
    set m [srv 0 client]
    repl_fill 20
    start_server {overrides {repl-diskless-sync-delay 0}} {
        set mid [srv 0 client]
        $mid select 9
        $mid replicaof [srv -1 host] [srv -1 port]
        start_server [list binary $::stock_server] {
            set sub [srv 0 client]
            $sub select 9
            test "chained replica gets the stream verbatim" {
                wait_for_condition 50 100 {[repl_link_up -1]} else { fail "no link" }
                $sub replicaof [srv -1 host] [srv -1 port]
                wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
                $m set chained yes
                $m incr counter
                wait_for_condition 50 100 {[$sub get chained] eq "yes"} else { fail "not replicated" }
                repl_wait_digest $m $sub
                assert_equal [status $m master_replid] [status $sub master_replid]
                wait_for_condition 50 100 {
                    [status $m master_repl_offset] == [status $sub master_repl_offset]
                } else { fail "offsets differ" }
            }
            test "commands split across reads: offsets exact on every hop, under load" {
                # Big values arrive in many reads; a command's bytes must
                # count (and be proxied) once, when it is complete.
                for {set i 0} {$i < 6} {incr i} { $m set big:$i [string repeat b$i 150000] }
                exec redis-benchmark -p [srv -2 port] -t set,lpush -d 30000 -n 2000 -r 500 -q
                $m select 9
                wait_for_condition 100 100 {
                    [status $m master_repl_offset] == [status $mid slave_repl_offset] &&
                    [status $m master_repl_offset] == [status $sub master_repl_offset]
                } else {
                    fail "offsets differ: [status $m master_repl_offset] [status $mid slave_repl_offset] [status $sub master_repl_offset]"
                }
                assert_equal [status $mid slave_repl_offset] [status $mid slave_read_repl_offset]
                repl_wait_digest $m $mid
                repl_wait_digest $m $sub
            }
            test "promoted middle replica keeps sub-replica with a partial resync" {
                set full [s -1 sync_full]
                $mid replicaof no one
                $mid set promoted 1
                wait_for_condition 50 100 {[$sub get promoted] eq "1"} else { fail "not replicated" }
                assert_equal $full [s -1 sync_full]
                assert_equal [status $mid master_replid] [status $sub master_replid]
            }
        }
    }
}

start_server {} {
    test "REPLICAOF argument errors and replies" {
        assert_error {ERR Invalid master port} {r replicaof 127.0.0.1 70000}
        assert_equal OK [r replicaof no one]
        assert_error {ERR Unrecognized REPLCONF option: foo} {r replconf foo bar}
        assert_error {ERR syntax error} {r replconf foo}
        assert_equal {master 0 {}} [r role]
    }
    test "min-replicas-to-write refuses writes without replicas" {
        r config set min-replicas-to-write 1
        assert_error {NOREPLICAS Not enough good replicas to write.} {r set a b}
        r config set min-replicas-to-write 0
        r set a b
    }
    test "replica-serve-stale-data no gives MASTERDOWN" {
        r config set replica-serve-stale-data no
        r replicaof 127.0.0.1 1
        assert_error {MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.} {r get a}
        r replicaof no one
        r config set replica-serve-stale-data yes
    }
}

# Our replica loading straight from the socket (repl-diskless-load), and
# INFO replication naming the same fields as a stock replica's.
start_server [list binary $::stock_server overrides {repl-diskless-sync yes repl-diskless-sync-delay 0}] {
    set m [srv 0 client]
    repl_fill 30
    start_server [list binary $::stock_server] {
        set stock_rep [srv 0 client]
        $stock_rep replicaof [srv -1 host] [srv -1 port]
        foreach mode {swapdb on-empty-db} {
            start_server [list overrides [list repl-diskless-load $mode]] {
                set rep [srv 0 client]
                $rep select 9
                test "repl-diskless-load $mode: full sync from the socket" {
                    $rep set stale old
                    $rep replicaof [srv -2 host] [srv -2 port]
                    wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
                    repl_wait_digest $m $rep
                    assert_equal 0 [$rep exists stale]
                }
                test "repl-diskless-load $mode: INFO replication fields as stock" {
                    wait_for_condition 50 100 {[repl_link_up -1]} else { fail "no link" }
                    set names {}
                    foreach c [list $stock_rep $rep] {
                        set n {}
                        foreach line [split [$c info replication] "\r\n"] {
                            if {[regexp {^([a-z_0-9]+):} $line -> f]} { lappend n $f }
                        }
                        lappend names $n
                    }
                    assert_equal [lindex $names 0] [lindex $names 1]
                    $rep replicaof no one
                }
            }
        }
    }
}

# Diskless load from our master while it takes writes: our master streams
# the writes right after the snapshot (after the EOF mark, or after the
# $<size> file) and the replica reads the socket through a buffer, so what
# the buffer took past the RDB must reach the master client, and a
# $<size> transfer must not be read past its end. The replica loads slowly
# (key-load-delay) so the writes are in the socket before it is done.
foreach sync {yes no} {
    start_server [list overrides [list repl-diskless-sync $sync repl-diskless-sync-delay 0]] {
        set m [srv 0 client]
        $m debug populate 10000
        start_server {overrides {repl-diskless-load on-empty-db key-load-delay 50}} {
            set rep [srv 0 client]
            test "repl-diskless-load from our master (repl-diskless-sync $sync) taking writes" {
                set rd [redis_deferring_client -1]
                $rep replicaof [srv -1 host] [srv -1 port]
                wait_for_condition 100 20 {[string match {*state=online*} [$m info replication]]} else {
                    fail "the master never put the replica online"
                }
                for {set i 0} {$i < 2000} {incr i} { $rd incr counter; $rd rpush l $i }
                for {set i 0} {$i < 4000} {incr i} { $rd read }
                wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
                repl_wait_digest $m $rep
                assert_equal 2000 [$rep get counter]
                assert_equal 10002 [$rep dbsize]
                $rd close
                $rep replicaof no one
            }
        }
    }
}

# WAIT blocks until the timeout when the replica cannot acknowledge.
start_server {overrides {repl-diskless-sync-delay 0}} {
    set m [srv 0 client]
    start_server [list binary $::stock_server] {
        set rep [srv 0 client]
        test "WAIT blocks, times out, and counts acknowledged replicas" {
            $rep replicaof [srv -1 host] [srv -1 port]
            wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
            $m set a 1
            assert_equal 1 [$m wait 1 0]
            assert_equal 1 [$m wait 2 300]
            set pid [srv 0 pid]
            exec kill -STOP $pid
            $m set b 2
            set start [clock milliseconds]
            assert_equal 0 [$m wait 1 300]
            assert_morethan_equal [expr {[clock milliseconds] - $start}] 250
            exec kill -CONT $pid
            $m set c 3
            assert_equal 1 [$m wait 1 2000]
            assert_equal 1 [$m wait 1 0]
        }
    }
}

# swapdb: a transfer that breaks half way gives the old dataset back.
start_server [list binary $::stock_server overrides {repl-diskless-sync yes repl-diskless-sync-delay 0 rdb-key-save-delay 100000 rdbcompression no}] {
    # Big values: the child's buffered writes reach the replica key by key.
    for {set i 0} {$i < 30} {incr i} { r set big:$i [string repeat x 40000] }
    start_server {overrides {repl-diskless-load swapdb}} {
        set rep [srv 0 client]
        test "repl-diskless-load swapdb keeps the old data when the transfer fails" {
            $rep select 9
            $rep set stale old
            $rep replicaof [srv -1 host] [srv -1 port]
            wait_for_log_messages 0 {"*Loading DB in memory*"} 0 50 100
            exec kill -9 [srv -1 pid]
            wait_for_condition 50 100 {[catch {$rep ping}] == 0} else { fail "replica stuck" }
            assert_equal old [$rep get stale]
            assert_equal 1 [$rep dbsize]
            $rep replicaof no one
        }
    }
}

# The handshake authenticates with masteruser/masterauth as a user allowed
# only the replication commands (the restricted user of the Redis docs); a
# replica with requirepass still applies its master's stream.
foreach {mbin rbin label} [list $::stock_server {} "stock master, our replica" {} {} "ours both sides" \
                                 {} $::stock_server "our master, stock replica"] {
    set mopts [list overrides {requirepass secret repl-diskless-sync-delay 0}]
    if {$mbin ne ""} { lappend mopts binary $mbin }
    set ropts [list overrides {requirepass local}]
    if {$rbin ne ""} { lappend ropts binary $rbin }
    start_server $mopts {
        r auth secret
        r acl setuser repl on >replpw -@all +psync +replconf +ping
        r set a 1
        start_server $ropts {
            r auth local
            test "masteruser/masterauth handshake as a restricted user: $label" {
                r config set masteruser repl
                r config set masterauth replpw
                r replicaof [srv -1 host] [srv -1 port]
                wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
                r -1 set b 2
                wait_for_condition 50 100 {[r get b] eq "2"} else { fail "not replicated" }
                assert_match "*flags=S*user=repl*" [r -1 client list type replica]
                assert_equal {} [r -1 acl log]
                r replicaof no one
            }
        }
    }
}

# SHUTDOWN gives a lagging replica shutdown-timeout seconds to catch up.
start_server {overrides {repl-diskless-sync-delay 0 shutdown-timeout 1}} {
    set m [srv 0 client]
    $m select 9
    set mstdout [srv 0 stdout]
    start_server [list binary $::stock_server] {
        set rep [srv 0 client]
        $rep select 9
        test "SHUTDOWN waits for a lagging replica up to shutdown-timeout" {
            $rep replicaof [srv -1 host] [srv -1 port]
            wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
            $m set a 1
            wait_for_condition 50 100 {[$rep get a] eq "1"} else { fail "not replicated" }
            set pid [srv 0 pid]
            exec kill -STOP $pid
            $m set b 2
            set start [clock milliseconds]
            catch {$m shutdown nosave}
            set elapsed [expr {[clock milliseconds] - $start}]
            exec kill -CONT $pid
            assert_morethan_equal $elapsed 900
            wait_for_condition 50 100 {[$rep get b] eq "2"} else { fail "replica lost the write" }
            set log [exec cat $mstdout]
            assert_match "*Waiting for replicas before shutting down*" $log
        }
    }
}

# While SHUTDOWN waits for a lagging replica the server keeps serving
# (writes paused), SHUTDOWN ABORT cancels it, and the waiting SHUTDOWN
# client gets the error: the same on a stock master and on ours.
foreach {mbin label} [list $::stock_server "stock master" {} "our master"] {
    set mopts {overrides {repl-diskless-sync-delay 0 shutdown-timeout 30}}
    if {$mbin ne ""} { lappend mopts binary $mbin }
    start_server $mopts {
        set m [srv 0 client]
        set mstdout [srv 0 stdout]
        start_server [list binary $::stock_server] {
            test "SHUTDOWN waiting for a replica serves others, pauses writes, ABORT cancels ($label)" {
                r replicaof [srv -1 host] [srv -1 port]
                wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
                set pid [srv 0 pid]
                exec kill -STOP $pid
                $m set lag 1
                set sd [redis_deferring_client -1]
                $sd shutdown
                wait_for_condition 50 100 {
                    [string match "*Waiting for replicas before shutting down*" [exec cat $mstdout]]
                } else { fail "no wait started" }
                assert_equal PONG [$m ping]
                assert_equal 1 [$m get lag]
                set wr [redis_deferring_client -1]
                $wr set during wait
                # A second SHUTDOWN waits too; ABORT with options is refused.
                set sd2 [redis_deferring_client -1]
                $sd2 shutdown nosave
                assert_error {ERR syntax error} {$m shutdown abort now}
                assert_equal OK [$m shutdown abort]
                assert_error {ERR Errors trying to SHUTDOWN. Check logs.} {$sd read}
                assert_error {ERR Errors trying to SHUTDOWN. Check logs.} {$sd2 read}
                assert_equal OK [$wr read]
                assert_equal wait [$m get during]
                assert_error {ERR No shutdown in progress.} {$m shutdown abort}
                assert_match "*Shutdown manually aborted.*" [exec cat $mstdout]
                exec kill -CONT $pid
                foreach c [list $sd $sd2 $wr] {$c close}
            }
        }
    }
}

# Our replica hides logically expired keys but only deletes them when the
# master's DEL arrives.
start_server [list binary $::stock_server overrides {repl-diskless-sync-delay 0}] {
    set m [srv 0 client]
    $m select 9
    $m debug set-active-expire 0
    start_server {} {
        set rep [srv 0 client]
        $rep select 9
        test "replica hides expired keys until the master's DEL" {
            $rep replicaof [srv -1 host] [srv -1 port]
            wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
            $m set k v px 200
            $m set other x
            wait_for_condition 50 100 {[$rep get other] eq "x"} else { fail "not replicated" }
            wait_for_condition 50 100 {[$rep get k] eq ""} else { fail "key not hidden" }
            assert_equal 0 [$rep exists k]
            assert_equal 2 [$rep dbsize]
            assert_equal {} [$m get k] ;# the master expires it and sends DEL
            wait_for_condition 50 100 {[$rep dbsize] == 1} else { fail "DEL not applied" }
        }
        test "failover: the old master resyncs partially with the promoted replica" {
            $rep replicaof no one
            $rep set promoted 1
            $m replicaof [srv 0 host] [srv 0 port]
            wait_for_condition 50 100 {[repl_link_up -1]} else { fail "no link" }
            wait_for_condition 50 100 {[$m get promoted] eq "1"} else { fail "not replicated" }
            assert_equal 0 [s 0 sync_full]
            assert_equal 1 [s 0 sync_partial_ok]
            assert_equal [status $rep master_replid] [status $m master_replid]
        }
    }
}

start_server {overrides {repl-diskless-sync-delay 0}} {
    set m [srv 0 client]
    $m select 9
    $m set a 1
    start_server [list binary $::stock_server] {
        set rep [srv 0 client]
        $rep select 9
        test "failover: our old master resyncs partially with a promoted stock replica" {
            $rep replicaof [srv -1 host] [srv -1 port]
            wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
            $m set b 2
            wait_for_condition 50 100 {[$rep get b] eq "2"} else { fail "not replicated" }
            $rep replicaof no one
            $rep set promoted 1
            $m replicaof [srv 0 host] [srv 0 port]
            wait_for_condition 50 100 {[repl_link_up -1]} else { fail "no link" }
            wait_for_condition 50 100 {[$m get promoted] eq "1"} else { fail "not replicated" }
            assert_equal 0 [s 0 sync_full]
            assert_equal 1 [s 0 sync_partial_ok]
            repl_wait_digest $rep $m
        }
    }
}

# replica-announce-ip/port reach the master; repl-timeout on both sides.
foreach {mbin label} [list $::stock_server "stock master" {} "our master"] {
    set mopts [list overrides {repl-diskless-sync-delay 0 repl-timeout 2}]
    if {$mbin ne ""} { lappend mopts binary $mbin }
    start_server $mopts {
        set m [srv 0 client]
        set rbin [expr {$mbin eq "" ? $::stock_server : ""}]
        set ropts [list overrides {replica-announce-ip 10.1.2.3 replica-announce-port 4567 repl-timeout 2}]
        if {$rbin ne ""} { lappend ropts binary $rbin }
        start_server $ropts {
            set rep [srv 0 client]
            test "replica-announce-ip/port with a $label" {
                $rep replicaof [srv -1 host] [srv -1 port]
                wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link" }
                wait_for_condition 50 100 {[string match "*slave0:ip=10.1.2.3,port=4567,state=online*" [$m info replication]]} else {
                    fail "announced address not shown: [$m info replication]"
                }
            }
            test "repl-timeout: a silent replica is dropped, a silent master is left ($label)" {
                set rpid [srv 0 pid]
                exec kill -STOP $rpid
                wait_for_condition 60 100 {[s -1 connected_slaves] == 0} else { fail "replica not dropped" }
                exec kill -CONT $rpid
                wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link again" }
                set mpid [srv -1 pid]
                exec kill -STOP $mpid
                wait_for_condition 60 100 {![repl_link_up 0]} else { exec kill -CONT $mpid; fail "master not timed out" }
                exec kill -CONT $mpid
                wait_for_condition 50 100 {[repl_link_up 0]} else { fail "no link again" }
            }
        }
    }
}

# A master speaking nonsense never crashes our replica.
proc fake_master_accept {replies sock addr port} {
    fconfigure $sock -translation binary -buffering none -blocking 1
    foreach r $replies {
        # One reply per command line received (the handshake is pipelined).
        while {[gets $sock line] >= 0} {
            if {[string match {\**} $line] || $line eq "PING\r"} break
        }
        puts -nonewline $sock $r
        flush $sock
    }
    after 200 [list catch [list close $sock]]
}

# Let the Tcl event loop run (the fake master lives in it).
proc repl_pump {ms} {
    set ::repl_pump_done 0
    after $ms {set ::repl_pump_done 1}
    vwait ::repl_pump_done
}

start_server {} {
    set id [string repeat a 40]
    foreach {label tail} [list "negative bulk length" "\$-5\r\n" \
                                "garbage instead of a bulk" "hello\r\n" \
                                "truncated RDB" "\$100\r\nREDIS0010" \
                                "bad EOF mark" "\$EOF:short\r\n"] {
        test "fake master sending a $label" {
            set replies [list "+PONG\r\n" "+OK\r\n" "+OK\r\n" "+FULLRESYNC $id 0\r\n$tail"]
            set from [count_log_lines 0]
            set srv [socket -server [list fake_master_accept $replies] -myaddr 127.0.0.1 0]
            set port [lindex [fconfigure $srv -sockname] 2]
            r replicaof 127.0.0.1 $port
            set seen 0
            for {set i 0} {$i < 50 && !$seen} {incr i} {
                repl_pump 100
                set seen [string match "*Full resync from master*" [exec tail -n +$from [srv 0 stdout]]]
            }
            if {!$seen} { close $srv; fail "no handshake" }
            # The replica keeps serving and stays a replica with the link down.
            repl_pump 300
            assert_equal PONG [r ping]
            assert_equal down [status r master_link_status]
            r replicaof no one
            close $srv
        }
    }
}

# Diskless: one transfer serves both replicas once max-replicas have come,
# long before repl-diskless-sync-delay.
start_server {overrides {repl-diskless-sync yes repl-diskless-sync-delay 60 repl-diskless-sync-max-replicas 2}} {
    set m [srv 0 client]
    repl_fill 20
    start_server [list binary $::stock_server] {
        start_server [list binary $::stock_server] {
            test "repl-diskless-sync-max-replicas starts the transfer early, for both" {
                r -1 replicaof [srv -2 host] [srv -2 port]
                r replicaof [srv -2 host] [srv -2 port]
                wait_for_condition 50 100 {[repl_link_up 0] && [repl_link_up -1]} else { fail "no link" }
                assert_equal 2 [s -2 sync_full]
                assert_equal [$m debug digest] [r debug digest]
                assert_equal [$m debug digest] [r -1 debug digest]
                assert_equal 1 [llength [lsearch -all [split [exec cat [srv -2 stdout]] "\n"] "*Background RDB transfer started*"]]
            }
        }
    }
}
