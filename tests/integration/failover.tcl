# FAILOVER (standalone coordinated failover), against stock 7.0.15's
# behaviour: the hand-over to the only replica and to a chosen one of two,
# TIMEOUT rolling back, FORCE handing over anyway, ABORT, writes paused
# while waiting and answered (READONLY) after, every error reply (checked
# on stock too), and interop both ways with stock servers. A replica is
# kept from acknowledging by stopping its process (SIGSTOP).

set ::stock_server /usr/bin/redis-server

proc fo_state {r} { status $r master_failover_state }

proc fo_is_replica_of {r level} {
    expr {[status $r role] eq "slave" && [status $r master_port] == [srv $level port] &&
          [status $r master_link_status] eq "up"}
}

# Wait until $replica (a client) replicates from the server at $level.
proc fo_wait_replica_of {replica level} {
    wait_for_condition 400 50 {[fo_is_replica_of $replica $level]} else {
        fail "not a replica of [srv $level port]: [status $replica role] [status $replica master_port]"
    }
}

# Wait until the master at $mlevel lists $n online replicas.
proc fo_wait_online {mlevel n} {
    set m [srv $mlevel client]
    wait_for_condition 400 50 {
        [regexp -all {state=online} [$m info replication]] == $n
    } else { fail "replicas not online: [$m info replication]" }
}

# After a failover from $old to $new: roles swapped, state cleared.
proc fo_wait_swapped {old oldlevel new newlevel} {
    fo_wait_replica_of $old $newlevel
    wait_for_condition 400 50 {
        [status $new role] eq "master" && [fo_state $old] eq "no-failover"
    } else { fail "failover did not complete: [fo_state $old] [status $new role]" }
}

proc fo_wait_offsets {a b} {
    wait_for_condition 400 50 {
        [status $a master_repl_offset] == [status $b master_repl_offset]
    } else { fail "offsets differ: [status $a master_repl_offset] [status $b master_repl_offset]" }
}

proc fo_fill {r n} {
    for {set i 0} {$i < $n} {incr i} { $r set key:$i [string repeat v $i] }
    $r incr counter
}

# Stop the replica at $level and write to its master $r, so that the
# replica cannot have acknowledged everything.
proc fo_stop {level {r {}}} {
    exec kill -STOP [srv $level pid]
    if {$r ne ""} { $r incr fo-bump }
}
proc fo_cont {level} { exec kill -CONT [srv $level pid] }

# ---------------------------------------------------------------- errors
# The same assertions against our server and stock, to keep the replies
# byte-identical.

foreach {bin label} [list {} ours $::stock_server stock] {
    set opts [list tags {failover}]
    if {$bin ne ""} { lappend opts binary $bin }
    start_server $opts {
        set m [srv 0 client]
        test "FAILOVER errors without replicas ($label)" {
            assert_error {ERR FAILOVER requires connected replicas.} {$m failover}
            assert_error {ERR No failover in progress.} {$m failover abort}
            assert_error {ERR syntax error} {$m failover abort now}
            assert_error {ERR syntax error} {$m failover foo}
            assert_error {ERR syntax error} {$m failover timeout}
            assert_error {ERR syntax error} {$m failover to 127.0.0.1}
            assert_error {ERR syntax error} {$m failover timeout 10 timeout 20}
            assert_error {ERR syntax error} {$m failover force force}
            assert_error {ERR syntax error} {$m failover to h 1 to h 2}
            assert_error {ERR FAILOVER timeout must be greater than 0} {$m failover timeout 0}
            assert_error {ERR FAILOVER timeout must be greater than 0} {$m failover timeout -5}
            assert_error {ERR value is not an integer or out of range} {$m failover timeout x}
            assert_error {ERR value is not an integer or out of range} {$m failover to 127.0.0.1 p}
            assert_error {ERR FAILOVER requires connected replicas.} {$m failover force}
            assert_equal no-failover [fo_state $m]
        }
        start_server $opts {
            set rep [srv 0 client]
            set rport [srv 0 port]
            $rep replicaof [srv -1 host] [srv -1 port]
            fo_wait_replica_of $rep -1
            fo_wait_online -1 1
            test "FAILOVER errors with a replica ($label)" {
                assert_error {ERR FAILOVER is not valid when server is a replica.} {$rep failover}
                assert_error {ERR FAILOVER with force option requires both a timeout and target HOST and IP.} {$m failover force}
                assert_error {ERR FAILOVER with force option requires both a timeout and target HOST and IP.} {$m failover force timeout 100}
                assert_error {ERR FAILOVER with force option requires both a timeout and target HOST and IP.} {$m failover to 127.0.0.1 $rport force}
                assert_error {ERR FAILOVER target HOST and PORT is not a replica.} {$m failover to 127.0.0.1 [expr {$rport + 1}]}
                assert_error {ERR FAILOVER target HOST and PORT is not a replica.} {$m failover to localhost $rport}
                assert_error {ERR syntax error} {$m failover to 127.0.0.1 $rport abort}
                assert_error {ERR PSYNC FAILOVER replid must match my replid.} {$rep psync 0123456789012345678901234567890123456789 1 failover}
                assert_error {ERR PSYNC FAILOVER can't be sent to a master.} {$m psync 0123456789012345678901234567890123456789 1 failover}
            }
            test "FAILOVER while one waits: errors, paused writes, ABORT ($label)" {
                fo_stop 0 $m
                assert_equal OK [$m failover to 127.0.0.1 $rport]
                assert_equal waiting-for-sync [fo_state $m]
                assert_error {ERR FAILOVER already in progress.} {$m failover}
                assert_error {ERR FAILOVER already in progress.} {$m failover to 127.0.0.1 $rport}
                assert_error {ERR REPLICAOF not allowed while failing over.} {$m replicaof 127.0.0.1 1}
                assert_error {ERR REPLICAOF not allowed while failing over.} {$m replicaof no one}
                set w [redis_deferring_client -1]
                $w set paused v
                # CLIENT UNPAUSE ends only CLIENT PAUSE's pause.
                assert_equal OK [$m client unpause]
                assert_equal {} [$m get paused]
                assert_equal OK [$m failover abort]
                assert_equal no-failover [fo_state $m]
                assert_equal OK [$w read]
                assert_equal v [$m get paused]
                assert_equal master [status $m role]
                fo_cont 0
                fo_wait_replica_of $rep -1
            }
            test "FAILOVER TIMEOUT without FORCE rolls back ($label)" {
                fo_stop 0 $m
                assert_equal OK [$m failover timeout 300]
                assert_equal waiting-for-sync [fo_state $m]
                wait_for_condition 400 50 {[fo_state $m] eq "no-failover"} else { fail "no timeout" }
                assert_equal master [status $m role]
                assert_equal OK [$m set after-timeout 1]
                fo_cont 0
                fo_wait_replica_of $rep -1
                wait_for_condition 400 50 {[$rep get after-timeout] eq "1"} else { fail "not replicated" }
            }
        }
    }
}

start_server {tags {failover} overrides {cluster-enabled yes}} {
    test {FAILOVER in cluster mode} {
        assert_error {ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.} {r failover}
        assert_error {ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.} {r failover abort}
    }
}

# ---------------------------------------------------------------- hand-overs

start_server {tags {failover}} {
    set m [srv 0 client]
    fo_fill $m 100
    start_server {} {
        set rep [srv 0 client]
        $rep replicaof [srv -1 host] [srv -1 port]
        fo_wait_replica_of $rep -1
        fo_wait_online -1 1

        test {FAILOVER to the only replica} {
            fo_fill $m 50
            set replid [status $m master_replid]
            assert_equal OK [$m failover]
            fo_wait_swapped $m -1 $rep 0
            # The new master continues the old history under replid2.
            assert_equal $replid [status $rep master_replid2]
            assert_equal [status $rep master_replid] [status $m master_replid]
            assert_equal [status $rep master_repl_offset] [status $m master_repl_offset]
            assert_equal [$m debug digest] [$rep debug digest]
            assert_error {READONLY*} {$m set k v}
            $rep set written-on-new v
            fo_wait_offsets $m $rep
            assert_equal v [$m get written-on-new]
        }

        test {FAILOVER back, writes paused while waiting then answered READONLY} {
            fo_stop -1 $rep
            assert_equal OK [$rep failover]
            set w [redis_deferring_client 0]
            $w set paused-write v
            $w incr paused-counter
            assert_equal waiting-for-sync [fo_state $rep]
            assert_equal {} [$rep get paused-write]
            fo_cont -1
            fo_wait_swapped $rep 0 $m -1
            assert_error {READONLY*} {$w read}
            assert_error {READONLY*} {$w read}
            assert_equal 0 [$m exists paused-write paused-counter]
            fo_wait_offsets $m $rep
            assert_equal [$m debug digest] [$rep debug digest]
        }

        test {FAILOVER FORCE hands over after the timeout} {
            fo_wait_online -1 1
            fo_stop 0 $m
            assert_equal OK [$m failover to 127.0.0.1 [srv 0 port] timeout 200 force]
            wait_for_condition 400 50 {[fo_state $m] eq "failover-in-progress"} else {
                fail "no forced hand-over: [fo_state $m]"
            }
            assert_equal slave [status $m role]
            fo_cont 0
            fo_wait_swapped $m -1 $rep 0
            fo_wait_offsets $m $rep
            assert_equal [$m debug digest] [$rep debug digest]
        }

        test {FAILOVER ABORT while in progress makes a master again} {
            # The target (our old master) is stopped, so the hand-over
            # stays in progress until aborted.
            fo_stop -1 $rep
            assert_equal OK [$rep failover to 127.0.0.1 [srv -1 port] timeout 100 force]
            wait_for_condition 400 50 {[fo_state $rep] eq "failover-in-progress"} else {
                fail "no forced hand-over: [fo_state $rep]"
            }
            assert_equal OK [$rep failover abort]
            assert_equal no-failover [fo_state $rep]
            assert_equal master [status $rep role]
            assert_equal OK [$rep set after-abort 1]
            fo_cont -1
            fo_wait_replica_of $m 0
            wait_for_condition 400 50 {[$m get after-abort] eq "1"} else { fail "not replicated" }
        }
    }
}

start_server {tags {failover}} {
    set m [srv 0 client]
    fo_fill $m 20
    start_server {} {
        set r1 [srv 0 client]
        $r1 replicaof [srv -1 host] [srv -1 port]
        start_server {} {
            set r2 [srv 0 client]
            $r2 replicaof [srv -2 host] [srv -2 port]
            fo_wait_replica_of $r1 -2
            fo_wait_replica_of $r2 -2
            fo_wait_online -2 2

            test {FAILOVER TO a chosen replica among two} {
                assert_equal OK [$m failover to 127.0.0.1 [srv 0 port]]
                fo_wait_swapped $m -2 $r2 0
                assert_equal slave [status $r1 role]
                # The other replica now replicates through the old master.
                assert_equal [srv -2 port] [status $r1 master_port]
                $r2 set via-chain v
                fo_wait_offsets $r1 $r2
                fo_wait_offsets $m $r2
                assert_equal v [$r1 get via-chain]
                assert_equal [$r1 debug digest] [$r2 debug digest]
                assert_equal [$m debug digest] [$r2 debug digest]
            }
        }
    }
}

# ---------------------------------------------------------------- interop

foreach {mbin rbin label} [list {} $::stock_server "our master, stock replica" \
                                 $::stock_server {} "stock master, our replica"] {
    set mopts [list tags {failover}]
    if {$mbin ne ""} { lappend mopts binary $mbin }
    set ropts {}
    if {$rbin ne ""} { lappend ropts binary $rbin }
    start_server $mopts {
        set m [srv 0 client]
        fo_fill $m 100
        start_server $ropts {
            set rep [srv 0 client]
            $rep replicaof [srv -1 host] [srv -1 port]
            fo_wait_replica_of $rep -1
            fo_wait_online -1 1
            test "FAILOVER $label" {
                fo_fill $m 10
                assert_equal OK [$m failover to 127.0.0.1 [srv 0 port] timeout 5000]
                fo_wait_swapped $m -1 $rep 0
                assert_equal [status $rep master_repl_offset] [status $m master_repl_offset]
                assert_equal [$m debug digest] [$rep debug digest]
                $rep set after v
                fo_wait_offsets $m $rep
                assert_equal v [$m get after]
            }
            test "FAILOVER back: $label" {
                fo_wait_online 0 1
                assert_equal OK [$rep failover]
                fo_wait_swapped $rep 0 $m -1
                $m set back v
                fo_wait_offsets $m $rep
                assert_equal [$m debug digest] [$rep debug digest]
            }
        }
    }
}
