# Failover behind Flannel SNAT (tests/support/natlab.tcl): every pod-to-pod
# connection, bus and replication alike, arrives from the bridge address.
# A 3 masters + 3 replicas cluster made by stock `redis-cli --cluster create
# --cluster-replicas 1`, no address configuration: replicas sync from their
# master's pod address; a SIGKILLed master is replaced by its replica
# (FAILOVER_AUTH over the NATed bus) with no data loss for a client
# following MOVED; the killed pod comes back (at a new IP) as a replica of
# the new master; a manual CLUSTER FAILOVER gives it its slots back.
source [file join $::tests_root helpers nat.tcl]

# Pod index of a lab IP.
proc nat_pod_of_ip {lab ip pods} {
    foreach i $pods {if {[natlab_pod_ip $lab $i] eq $ip} {return $i}}
    return {}
}

# One field of pod i's INFO replication ("" when unreachable).
proc nat_repl {lab i field} {
    if {[catch {natlab_cli $lab $i info replication} info]} {return {}}
    if {[regexp "\n$field:(\[^\r\n\]*)" $info -> v]} {return $v}
    return {}
}

# The master id pod `from` lists for node id ("-" for a master).
proc nat_master_of {lab from id} {
    foreach line [natlab_cluster_nodes $lab $from] {
        if {[lindex $line 0] eq $id} {
            if {[string match *slave* [lindex $line 2]]} {return [lindex $line 3]}
            return -
        }
    }
    return {}
}

# 1 when every pod of `pods` sees id as a replica of master_id, and the
# pod of id replicates from master_pod's pod address with its link up.
proc nat_replicates {lab pods id pod master_id master_pod} {
    foreach i $pods {
        if {[nat_master_of $lab $i $id] ne $master_id} {return 0}
    }
    return [expr {[nat_repl $lab $pod master_host] eq [natlab_pod_ip $lab $master_pod] &&
                  [nat_repl $lab $pod master_link_status] eq "up"}]
}

# Runs redis-cli -c in pod `from` with one command per line of `cmds` on
# its stdin (one process, following MOVED).
proc nat_cli_c {lab from cmds} {
    exec ip netns exec [natlab_pod_ns $lab $from] redis-cli -c -h [natlab_pod_ip $lab $from] \
        << [join $cmds \n]
}

# GETs key:0..key:39 through redis-cli -c in pod `from`: the values, and
# the addresses it was redirected to.
proc nat_get_all {lab from} {
    set gets {}
    for {set k 0} {$k < 40} {incr k} {lappend gets "get key:$k"}
    set vals {}
    set targets {}
    foreach line [split [string trim [nat_cli_c $lab $from $gets]] \n] {
        if {[regexp {Redirected to slot \[\d+\] located at (\S+)} $line -> to]} {
            lappend targets $to
        } else {
            lappend vals $line
        }
    }
    return [list $vals [lsort -unique $targets]]
}

proc nat_want_vals {} {
    set want {}
    for {set k 0} {$k < 40} {incr k} {lappend want val:$k}
    return $want
}

# The scenario in a 6-pod SNAT lab. Pods in `stock` run stock 7.0.15 with
# the field workaround it needs behind SNAT (cluster-announce-ip = its pod
# IP); ours run with no address configuration. The killed master and its
# heir are ours. With full 0 it stops once the client has read the data
# back after the failover.
proc nat_failover_lab {stock full} {
    set pods {1 2 3 4 5 6}
    # No wait for more replicas before a full sync (stock waits 5 s).
    set fast {--repl-diskless-sync-delay 0}
    set lab [natlab_create 6 snat]
    try {
        set eps {}
        foreach i $pods {
            if {$i in $stock} {
                natlab_start_server lab $i $::stock_binary 6379 [nat_cluster_opts \
                    [concat $fast --cluster-announce-ip [natlab_pod_ip $lab $i]]]
            } else {
                natlab_start_server lab $i $::ours_binary 6379 [nat_cluster_opts $fast]
            }
            lappend eps [natlab_pod_ip $lab $i]:6379
        }
        natlab_cli $lab 1 --cluster create {*}$eps --cluster-replicas 1 --cluster-yes
        nat_wait_state_ok $lab $pods
        set id {}
        foreach i $pods {dict set id $i [nat_myid $lab $i]}
        nat_wait_joined $lab $pods [dict values $id]
        # Who replicates whom, as redis-cli chose; nobody is recorded at
        # the bridge address.
        set master_of {}
        foreach line [natlab_cluster_nodes $lab 1] {
            assert_no_match "*[natlab_bridge_ip]:*" $line
        }
        foreach i $pods {
            wait_for_condition 100 50 {[nat_master_of $lab 1 [dict get $id $i]] ne {}} else {
                fail "pod 1 does not list pod $i"
            }
            set m [nat_master_of $lab 1 [dict get $id $i]]
            if {$m eq "-"} continue
            foreach j $pods {if {[dict get $id $j] eq $m} {dict set master_of $i $j}}
        }
        assert_equal 3 [dict size $master_of]
        # Replication goes pod to pod: each replica's master_host is its
        # master's pod IP, never the SNAT address it sees the master from.
        dict for {r m} $master_of {
            wait_for_condition 200 50 {
                [nat_replicates $lab $pods [dict get $id $r] $r [dict get $id $m] $m]
            } else {
                fail "pod $r: master_host=[nat_repl $lab $r master_host] link=[nat_repl $lab $r master_link_status]"
            }
        }
        # Masters (stock ones too) list each of our replicas at its pod IP,
        # which it announces (REPLCONF ip-address), not at the bridge
        # address its replication connection arrives from.
        dict for {r m} $master_of {
            if {$r in $stock} continue
            assert_match "*slave0:ip=[natlab_pod_ip $lab $r],port=6379,*" \
                [natlab_cli $lab $m info replication]
        }
        # Data through a client following MOVED, replicated.
        set cmds {}
        for {set k 0} {$k < 40} {incr k} {lappend cmds "set key:$k val:$k"}
        nat_cli_c $lab 1 $cmds
        set victim {}
        dict for {r m} $master_of {
            if {$victim eq {} && $r ni $stock && $m ni $stock} {
                set victim $m
                set heir $r
            }
        }
        assert {$victim ne {}}
        set vkeys [string trim [natlab_cli $lab $victim dbsize]]
        assert {$vkeys > 0}
        wait_for_condition 100 50 {
            [string trim [natlab_cli $lab $heir dbsize]] == $vkeys
        } else {
            fail "replica pod $heir has [natlab_cli $lab $heir dbsize] of $vkeys keys"
        }
        # SIGKILL the master of pod $heir.
        set others [lsearch -all -inline -not -exact $pods $victim]
        set t0 [clock milliseconds]
        natlab_kill_server lab $victim
        wait_for_condition 300 50 {
            [nat_master_of $lab [lindex $others 1] [dict get $id $heir]] eq "-" &&
            [nat_all_ok $lab $others]
        } else {
            fail "no failover: [join [natlab_cluster_nodes $lab [lindex $others 1]] \n]"
        }
        puts "    SNAT: SIGKILL of a master to replica promoted and state ok in [expr {[clock milliseconds] - $t0}] ms"
        assert {[nat_log_count [natlab_server_log $lab $heir] "*Failover election won*"] >= 1}
        set granted 0
        foreach i $others {
            incr granted [nat_log_count [natlab_server_log $lab $i] "*Failover auth granted to [dict get $id $heir]*"]
        }
        assert {$granted >= 2}
        foreach i $stock {
            # A stock master voted for our replica through SNAT.
            assert {$i ni [dict keys $master_of]}
            assert {[nat_log_count [natlab_server_log $lab $i] "*Failover auth granted to [dict get $id $heir]*"] == 1}
        }
        # Every key reads back through MOVED from any pod.
        lassign [nat_get_all $lab [lindex $others end]] vals targets
        assert_equal [nat_want_vals] $vals
        assert {[lsearch $targets [natlab_pod_ip $lab $heir]:6379] >= 0}
        assert {[lsearch $targets [natlab_pod_ip $lab $victim]:6379] < 0}
        if {!$full} return
        # The killed pod comes back on its nodes.conf at a new IP: it
        # turns into a replica of the new master and syncs from its pod
        # address.
        natlab_readdress lab $victim 10.42.0.70
        set t0 [clock milliseconds]
        natlab_start_server lab $victim $::ours_binary 6379 [nat_cluster_opts $fast]
        assert_equal [dict get $id $victim] [nat_myid $lab $victim]
        wait_for_condition 300 50 {
            [nat_replicates $lab $pods [dict get $id $victim] $victim [dict get $id $heir] $heir]
        } else {
            fail "pod $victim: master [nat_master_of $lab $victim [dict get $id $victim]], master_host=[nat_repl $lab $victim master_host] link=[nat_repl $lab $victim master_link_status]"
        }
        nat_wait_joined $lab $pods [dict values $id]
        nat_wait_state_ok $lab $pods
        puts "    SNAT: killed master back at a new IP to replica of the new master, synced, in [expr {[clock milliseconds] - $t0}] ms"
        foreach i $others {
            assert_match "*[dict get $id $victim] 10.42.0.70:6379@16379 slave*" [natlab_cli $lab $i cluster nodes]
        }
        wait_for_condition 100 50 {
            [string trim [natlab_cli $lab $victim dbsize]] == $vkeys
        } else {
            fail "rejoined replica has [natlab_cli $lab $victim dbsize] of $vkeys keys"
        }
        # Manual failover back, through SNAT.
        assert_equal OK [natlab_cli $lab $victim cluster failover]
        wait_for_condition 300 50 {
            [nat_master_of $lab $victim [dict get $id $victim]] eq "-" &&
            [nat_replicates $lab $pods [dict get $id $heir] $heir [dict get $id $victim] $victim]
        } else {
            fail "manual failover: [join [natlab_cluster_nodes $lab $victim] \n]"
        }
        nat_wait_state_ok $lab $pods
        assert {[nat_log_count [natlab_server_log $lab $heir] "*Manual failover requested by replica [dict get $id $victim]*"] >= 1}
        lassign [nat_get_all $lab $heir] vals targets
        assert_equal [nat_want_vals] $vals
        assert {[lsearch $targets [natlab_pod_ip $lab $victim]:6379] >= 0}
        # Still nobody recorded at the SNAT address.
        foreach i $pods {
            foreach line [natlab_cluster_nodes $lab $i] {
                assert_no_match "*[natlab_bridge_ip]:*" $line
            }
        }
    } finally {
        natlab_destroy $lab
    }
}

tags {natlab} {
    test {NAT: failover of a SIGKILLed master, rejoin at a new IP, manual failover, all through SNAT} {
        natlab_needs
        nat_failover_lab {} 1
    }

    # Stock masters vote over the NATed bus for our replica. redis-cli
    # makes the first three addresses masters; pod 3 is one of them.
    test {NAT: failover through SNAT with a stock 7.0.15 master voting} {
        natlab_needs
        nat_failover_lab {3} 0
    }
}
