# Issue 5's first scenario, the Flannel hairpin, exactly: three masters
# announce only their NodePort addresses (cluster-announce-ip = the k8s
# node's host address, -port, -bus-port), and a replica with no address
# configuration at all joins with `redis-cli --cluster add-node ...
# --cluster-slave` through a NodePort. Its MEET goes to the NodePort and
# comes back through kube-proxy masqueraded to the bridge address
# 10.42.0.1, so a receiver that records TCP peer addresses lists it there.
# Run with a stock joining node (the baseline: it never joins), and with
# our joining node next to our masters and next to stock masters: every
# node must list it connected, and no node may ever list the bridge
# address. The times printed are the figures in docs/nat.md.
source [file join $::tests_root helpers nat.tcl]

# Pods 1-3 are masters running `master_binary`, each with a client and a
# bus NodePort it announces; pod 4 runs `joiner_binary` with no address
# configuration and no NodePort. Returns the lab with the 3 masters
# forming a cluster made by redis-cli --cluster create over the NodePorts.
proc hairpin_lab {master_binary joiner_binary} {
    set lab [natlab_create 4 snat]
    set eps {}
    foreach i {1 2 3} {
        natlab_nodeport lab $i [expr {30000 + $i}] 6379
        natlab_nodeport lab $i [expr {31000 + $i}] 16379
        natlab_start_server lab $i $master_binary 6379 [nat_cluster_opts [list \
            --cluster-announce-ip [natlab_host_ip] \
            --cluster-announce-port [expr {30000 + $i}] \
            --cluster-announce-bus-port [expr {31000 + $i}] --loglevel verbose]]
        lappend eps [natlab_host_ip]:[expr {30000 + $i}]
    }
    natlab_start_server lab 4 $joiner_binary 6379 [nat_cluster_opts {--loglevel verbose}]
    natlab_cli $lab 1 --cluster create {*}$eps --cluster-yes
    nat_wait_state_ok $lab {1 2 3}
    nat_wait_joined $lab {1 2 3} [nat_ids $lab {1 2 3}]
    return $lab
}

# redis-cli --cluster add-node run in pod 4: pod 4 (by its pod address)
# joins through master 1's client NodePort as a replica of master 1.
proc hairpin_add_node {lab master_id} {
    natlab_sh [natlab_pod_ns $lab 4] redis-cli --cluster add-node [natlab_pod_ip $lab 4]:6379 \
        [natlab_host_ip]:30001 --cluster-slave --cluster-master-id $master_id
}

# Pods of `pods` whose CLUSTER NODES lists the bridge address right now.
proc hairpin_bridge_listers {lab pods} {
    set found {}
    foreach i $pods {
        if {[catch {natlab_cli $lab $i cluster nodes} nodes]} continue
        if {[string match "*[natlab_bridge_ip]:*" $nodes]} {lappend found $i}
    }
    return $found
}

# One poll of the join: records in ::hairpin_bridge every pod seen listing
# the bridge address (at any poll, not only at the end), and returns 1
# once every pod lists every id connected.
proc hairpin_poll {lab pods ids} {
    foreach i [hairpin_bridge_listers $lab $pods] {
        if {$i ni $::hairpin_bridge} {lappend ::hairpin_bridge $i}
    }
    nat_all_see $lab $pods $ids
}

# The scenario with our joining node; returns add-node to joined in ms.
proc hairpin_join_ours {master_binary what} {
    set lab [hairpin_lab $master_binary $::ours_binary]
    try {
        set pods {1 2 3 4}
        set ids [nat_ids $lab $pods]
        set id4 [lindex $ids 3]
        set ::hairpin_bridge {}
        set t0 [clock milliseconds]
        set out [hairpin_add_node $lab [lindex $ids 0]]
        assert_match "*New node added correctly*" $out
        wait_for_condition 200 50 {[hairpin_poll $lab $pods $ids]} else {
            set v {}
            foreach i $pods {append v "pod $i:\n[natlab_cli $lab $i cluster nodes]\n"}
            fail "the replica did not join:\n$v"
        }
        set ms [expr {[clock milliseconds] - $t0}]
        # Everyone, pod 4 too, has it as master 1's replica at its pod IP.
        foreach i $pods {
            wait_for_condition 100 50 {
                [hairpin_poll $lab $pods $ids] &&
                [regexp "$id4 [natlab_pod_ip $lab 4]:6379@16379 \[a-z,]*slave [lindex $ids 0] .* connected" \
                    [natlab_cli $lab $i cluster nodes]]
            } else {
                fail "pod $i: [natlab_cli $lab $i cluster nodes]"
            }
        }
        puts "    hairpin, $what masters: add-node through a NodePort to joined (listed connected by all 4) in $ms ms"
        assert_equal {} $::hairpin_bridge "pods that listed the bridge address"
        nat_wait_state_ok $lab $pods
        wait_for_condition 200 50 {
            [string match "*master_link_status:up*" [natlab_cli $lab 4 info replication]]
        } else {
            fail "replica not synced: [natlab_cli $lab 4 info replication]"
        }
        set check [natlab_sh [natlab_pod_ns $lab 4] redis-cli --cluster check [natlab_host_ip]:30001]
        assert_match "*All nodes agree about slots configuration*" $check
        assert_match "*All 16384 slots covered*" $check
        # Stock masters stay healthy: no per-ping warnings about our packets.
        if {$master_binary eq $::stock_binary} {
            foreach i {1 2 3} {
                set w [nat_log_count [natlab_server_log $lab $i] "*unknown extension*"]
                puts "    hairpin, stock master $i: unknown-extension warnings: $w"
                assert {$w <= 1}
            }
        }
        assert_equal {} [hairpin_bridge_listers $lab $pods]
        return $ms
    } finally {
        natlab_destroy $lab
    }
}

tags {natlab} {
    test {NAT baseline: stock 7.0.15 replica with no address config never joins through a hairpin NodePort} {
        natlab_needs
        set lab [hairpin_lab $::stock_binary $::stock_binary]
        try {
            set ids [nat_ids $lab {1 2 3 4}]
            set id4 [lindex $ids 3]
            set out [hairpin_add_node $lab [lindex $ids 0]]
            # redis-cli itself is satisfied: slots agree, REPLICATE works
            # on the new node, which knows master 1.
            assert_match "*New node added correctly*" $out
            # Master 1 recorded pod 4 at the masquerade address and its
            # dial-back is refused.
            nat_wait_dials_bridge $lab 1 "stock master 1"
            # Once pod 4 replicates (through the NodePort), no master
            # lists it connected, nor at its pod address.
            wait_for_condition 200 50 {
                [string match "*master_link_status:up*" [natlab_cli $lab 4 info replication]]
            } else {
                fail "stock replica never synced"
            }
            foreach i {1 2 3} {
                foreach line [natlab_cluster_nodes $lab $i] {
                    assert_no_match "$id4 *connected*" $line
                    assert_no_match "*[natlab_pod_ip $lab 4]:6379*" $line
                }
            }
            puts "    hairpin baseline, stock joining node: master 1 dials it at [natlab_bridge_ip]:16379 (refused); no master lists it connected"
        } finally {
            natlab_destroy $lab
        }
    }

    test {NAT: hairpin, our replica with no address config joins our NodePort-announcing masters} {
        natlab_needs
        hairpin_join_ours $::ours_binary ours
    }

    test {NAT: hairpin, our replica with no address config joins stock 7.0.15 NodePort-announcing masters} {
        natlab_needs
        hairpin_join_ours $::stock_binary stock
    }
}
