# shutdown-on-sigterm failover: a master stopped by SIGTERM first hands its
# slots to its replica (a coordinated CLUSTER FAILOVER it asks the replica
# for), keeps serving meanwhile, and exits once it has become a replica.
# Masters 0-2 are ours; node 3 (ours) replicates master 0, node 4 (stock
# 7.0.15) replicates master 1, so the handover is shown to both kinds.
source [file join $::tests_root helpers cluster.tcl]

proc node_log {i} {
    set fd [open [srv [cluster_level $i] stdout]]
    set log [read $fd]
    close $fd
    return $log
}

# Sends SIGTERM to master m and checks that replica r owns its slots before
# m exits, with every acknowledged write kept.
proc sigterm_handover {m r} {
    # A hash tag whose slot master m serves (its range from the test setup).
    set per [expr {16384 / 3}]
    for {set t 0} {1} {incr t} {
        set slot [R $m cluster keyslot "{t$t}"]
        if {$slot >= $m * $per && $slot < ($m + 1) * $per} break
    }
    for {set k 0} {$k < 50} {incr k} {R $m set "{t$t}:$k" v$k}
    assert_equal 1 [R $m wait 1 2000]
    set pid [srv [cluster_level $m] pid]
    exec kill -TERM $pid
    wait_for_condition 200 50 {![process_is_alive $pid]} else {
        fail "master $m did not exit"
    }
    cluster_forget_client $m
    assert_match "*Shutdown failover: done, this node is now a replica*" [node_log $m]
    assert_equal master [cluster_role $r]
    set pr [lindex $::cluster_ports $r]
    for {set k 0} {$k < 50} {incr k} {
        assert_equal v$k [redis_cli -p $pr get "{t$t}:$k"]
    }
}

start_cluster_nodes [list ours ours ours ours $::stock_server] {
    test {shutdown-on-sigterm takes the failover flag} {
        assert_equal OK [R 0 config set shutdown-on-sigterm "nosave failover"]
        assert_equal {shutdown-on-sigterm {nosave failover}} [R 0 config get shutdown-on-sigterm]
        assert_equal OK [R 0 config set shutdown-on-sigterm failover]
        assert_equal OK [R 1 config set shutdown-on-sigterm failover]
    }

    test {Cluster with replicas for the handover} {
        for {set i 1} {$i < 5} {incr i} {
            R $i cluster meet 127.0.0.1 [lindex $::cluster_ports 0]
        }
        set per [expr {16384 / 3}]
        for {set i 0} {$i < 3} {incr i} {
            set last [expr {$i == 2 ? 16383 : ($i + 1) * $per - 1}]
            R $i cluster addslotsrange [expr {$i * $per}] $last
        }
        cluster_wait_known 5
        R 3 cluster replicate [R 0 cluster myid]
        R 4 cluster replicate [R 1 cluster myid]
        foreach r {3 4} {
            wait_for_condition 200 50 {
                [string match "*master_link_status:up*" [R $r info replication]]
            } else {
                fail "replica $r did not sync"
            }
        }
        cluster_wait_ok 5
    }

    test {SIGTERM: our master hands its slots to our replica, then exits} {
        sigterm_handover 0 3
    }

    test {SIGTERM: our master hands its slots to a stock replica, then exits} {
        sigterm_handover 1 4
    }

    test {SIGTERM: a master without a replica shuts down as usual} {
        R 2 config set shutdown-on-sigterm failover
        set pid [srv [cluster_level 2] pid]
        exec kill -TERM $pid
        wait_for_condition 200 50 {![process_is_alive $pid]} else {
            fail "master 2 did not exit"
        }
        cluster_forget_client 2
        assert_match "*Shutdown failover: no reachable replica*bye bye*" [node_log 2]
    }
}
