# A cluster with replicas, all our nodes, formed by the stock
# `redis-cli --cluster create --cluster-replicas 1`: replicas sync from their
# masters, a manual CLUSTER FAILOVER swaps roles without losing writes, and
# a master killed with SIGKILL is replaced by its replica, which serves the
# data (clients follow MOVED to it).
source [file join $::tests_root helpers cluster.tcl]

start_cluster_nodes {ours ours ours ours ours ours} {
    test {redis-cli --cluster create --cluster-replicas 1 on our nodes} {
        set addrs {}
        foreach p $::cluster_ports {lappend addrs 127.0.0.1:$p}
        redis_cli --cluster create {*}$addrs --cluster-replicas 1 --cluster-yes
        cluster_wait_ok 6
        wait_for_condition 200 50 {
            [llength [lsearch -all [lmap i {0 1 2 3 4 5} {cluster_role $i}] slave]] == 3
        } else {
            fail "replicas not set up"
        }
        foreach i {0 1 2 3 4 5} {
            if {[cluster_role $i] ne "slave"} continue
            wait_for_condition 200 50 {
                [string match "*master_link_status:up*" [R $i info replication]]
            } else {
                fail "replica $i did not sync"
            }
        }
        set out [redis_cli --cluster check 127.0.0.1:[lindex $::cluster_ports 0]]
        assert_match {*All 16384 slots covered*} $out
    }

    test {Writes reach the replicas; CLUSTER FAILOVER swaps roles without loss} {
        set p0 [lindex $::cluster_ports 0]
        for {set k 0} {$k < 100} {incr k} {redis_cli -c -p $p0 set rk:$k v$k}
        set m [lsearch [lmap i {0 1 2 3 4 5} {cluster_role $i}] master]
        wait_for_condition 200 50 {
            [set r [cluster_replica_of $m]] >= 0
        } else {
            fail "master $m never lists a replica"
        }
        wait_for_condition 200 50 {
            [R $m dbsize] == [R $r dbsize] && [R $m debug digest] eq [R $r debug digest]
        } else {
            fail "replica $r does not have its master's data"
        }
        assert_equal OK [R $r cluster failover]
        wait_for_condition 200 50 {
            [cluster_role $r] eq "master" && [cluster_role $m] eq "slave"
        } else {
            fail "manual failover did not complete"
        }
        # A node may see the cluster down for a moment around the switch
        # (a slow peer flagged PFAIL on a loaded machine): reads wait for ok.
        cluster_wait_ok 6
        for {set k 0} {$k < 100} {incr k} {
            assert_equal v$k [redis_cli -c -p $p0 get rk:$k]
        }
        set ::fo_master $r
        set ::fo_replica $m
    }

    test {Failing back at once: the old master was not left write-paused} {
        # The master pauses writes during a manual failover; once it is a
        # replica that pause must end, or after a failback it would hold
        # writes for the rest of the pause window (10 s).
        set m $::fo_replica
        set r $::fo_master
        wait_for_condition 200 50 {[string match "*master_link_status:up*" [R $m info replication]]} else {
            fail "old master did not sync from the new one"
        }
        # Its new master must know it as a replica, or it ignores MFSTART.
        wait_for_condition 200 50 {[cluster_replica_of $r] == $m} else {
            fail "the new master does not list the old one as its replica"
        }
        assert_equal OK [R $m cluster failover]
        wait_for_condition 200 50 {[cluster_role $m] eq "master" && [cluster_role $r] eq "slave"} else {
            fail "failback did not complete"
        }
        # A write to one of m's keys (the others answer MOVED at once).
        set t0 [clock milliseconds]
        set done 0
        for {set k 0} {$k < 100 && !$done} {incr k} {
            set done [expr {![catch {R $m set fb:$k x}]}]
        }
        assert_equal 1 $done
        assert_lessthan [expr {[clock milliseconds] - $t0}] 3000
        set ::fo_master $m
    }

    test {A replica restarted from its nodes.conf replicates again at once} {
        # A replica of another master than the one the next test kills.
        set i -1
        foreach j {0 1 2 3 4 5} {
            if {$j != $::fo_master && [cluster_role $j] eq "master" &&
                [set i [cluster_replica_of $j]] >= 0} break
        }
        assert_morethan $i -1
        set master [lindex [R $i role] 1]:[lindex [R $i role] 2]
        if {[catch {restart_server [cluster_level $i]} e]} {
            skip "could not restart on the same port (shared machine): $e"
        }
        cluster_forget_client $i
        # Nothing about its master's address changed: the cron alone must
        # set the replication up from the role nodes.conf gave it.
        wait_for_condition 100 100 {
            [cluster_role $i] eq "slave" &&
            [string match "*master_link_status:up*" [R $i info replication]]
        } else {
            fail "restarted replica $i does not replicate: [R $i role]"
        }
        assert_equal $master [lindex [R $i role] 1]:[lindex [R $i role] 2]
    }

    test {A killed master is replaced by its replica, data kept} {
        set m $::fo_master
        # The old master's own ROLE flips first; the new master learns that
        # it now has a replica from that node's next ping, so wait for it.
        wait_for_condition 200 50 {
            [set r [cluster_replica_of $m]] >= 0
        } else {
            fail "master $m never lists a replica"
        }
        wait_for_condition 200 50 {
            [string match "*master_link_status:up*" [R $r info replication]]
        } else {
            fail "replica $r is not in sync"
        }
        set survivor [expr {($m + 1) % 6 == $r ? ($m + 2) % 6 : ($m + 1) % 6}]
        exec kill -9 [srv [cluster_level $m] pid]
        cluster_forget_client $m
        # Detection, then an election that may need a retry when the
        # masters voted about this master moments ago (the failovers
        # above): generous on a loaded machine (sanitizer builds).
        wait_for_condition 600 50 {[cluster_role $r] eq "master"} else {
            fail "replica $r was not promoted"
        }
        set ps [lindex $::cluster_ports $survivor]
        # Every live node, the promoted one too: MOVED leads there, and a
        # master that saw the cluster down waits a moment before ok.
        set live [lsearch -all -not -exact {0 1 2 3 4 5} $m]
        wait_for_condition 200 50 {[cluster_state_ok_on $live]} else {
            fail "cluster did not recover"
        }
        for {set k 0} {$k < 100} {incr k} {
            assert_equal v$k [redis_cli -c -p $ps get rk:$k]
        }
    }
}
