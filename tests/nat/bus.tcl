# The NAT-aware cluster bus in the Flannel SNAT lab (tests/support/natlab.tcl):
# every pod-to-pod connection arrives from the bridge address 10.42.0.1, as
# in the field report. Stock 7.0.15 fails this MEET (tests/nat/lab.tcl is the
# baseline); our nodes, with no address configuration at all, must join in
# both directions, also with stock masters, without hurting them.
source [file join $::tests_root helpers nat.tcl]

tags {natlab} {
    test {NAT: two of our nodes MEET through Flannel SNAT with no address config} {
        natlab_needs
        set lab [natlab_create 2 snat]
        try {
            foreach i {1 2} {natlab_start_server lab $i $::ours_binary 6379 [nat_cluster_opts]}
            set ids [list [nat_myid $lab 1] [nat_myid $lab 2]]
            set t0 [clock milliseconds]
            assert_equal OK [natlab_cli $lab 2 cluster meet [natlab_pod_ip $lab 1] 6379]
            nat_wait_joined $lab {1 2} $ids
            puts "    ours: MEET through SNAT to joined both ways in [expr {[clock milliseconds] - $t0}] ms (stock never joins: tests/nat/lab.tcl)"
            foreach i {1 2} {
                foreach line [natlab_cluster_nodes $lab $i] {
                    assert_no_match "*[natlab_bridge_ip]:*" $line
                }
            }
            # Each side records the other's real pod address, internal and
            # external alike (no NAT split, so CLUSTER SHARDS stays stock's).
            assert_match "*[natlab_pod_ip $lab 2]:6379@16379*" [natlab_cli $lab 1 cluster nodes]
            assert_match "*cluster_nat:internal=[natlab_pod_ip $lab 1]:6379@16379,*nat_aware_peers=1*" \
                [natlab_cli $lab 1 info cluster]
            assert_no_match "*internal-ip*" [natlab_cli $lab 1 cluster shards]
            # The address stays put: no flapping to the SNAT address.
            set log [natlab_server_log $lab 1]
            assert_equal 0 [nat_log_count $log "*Address updated for node*"]
        } finally {
            natlab_destroy $lab
        }
    }

    test {NAT: 3 stock masters, our node joins through SNAT with redis-cli --cluster add-node --cluster-slave} {
        natlab_needs
        set lab [natlab_create 4 snat]
        try {
            # Stock needs the field workaround (announce the pod IP) to form
            # a cluster among itself behind SNAT; ours needs nothing.
            foreach i {1 2 3} {
                natlab_start_server lab $i $::stock_binary 6379 \
                    [nat_cluster_opts [list --cluster-announce-ip [natlab_pod_ip $lab $i]]]
            }
            natlab_start_server lab 4 $::ours_binary 6379 [nat_cluster_opts]
            set addrs {}
            foreach i {1 2 3} {lappend addrs [natlab_pod_ip $lab $i]:6379}
            natlab_cli $lab 1 --cluster create {*}$addrs --cluster-yes
            nat_wait_state_ok $lab {1 2 3}
            set ids {}
            foreach i {1 2 3 4} {lappend ids [nat_myid $lab $i]}
            set t0 [clock milliseconds]
            set out [natlab_cli $lab 4 --cluster add-node [natlab_pod_ip $lab 4]:6379 \
                [natlab_pod_ip $lab 1]:6379 --cluster-slave --cluster-master-id [lindex $ids 0]]
            assert_match "*New node added correctly*" $out
            nat_wait_joined $lab {1 2 3 4} $ids
            puts "    mixed: add-node to joined (listed connected by all 4) in [expr {[clock milliseconds] - $t0}] ms"
            # Our node is a replica of master 1 in everyone's view, at its pod IP.
            foreach i {1 2 3 4} {
                wait_for_condition 100 50 {
                    [regexp "[lindex $ids 3] [natlab_pod_ip $lab 4]:6379@16379 \[a-z,]*slave [lindex $ids 0]" \
                        [natlab_cli $lab $i cluster nodes]]
                } else {
                    fail "pod $i: [natlab_cli $lab $i cluster nodes]"
                }
            }
            nat_wait_state_ok $lab {1 2 3 4}
            assert_match "*All 16384 slots covered*" \
                [natlab_cli $lab 4 --cluster check [natlab_pod_ip $lab 4]:6379]
            # Stock peers are not hurt: at most one unknown-extension warning
            # per MEET we sent (we sent one, to pod 1), none per ping.
            after [expr {3 * $::nat_node_timeout}]
            set warnings 0
            foreach i {1 2 3} {
                incr warnings [nat_log_count [natlab_server_log $lab $i] "*unknown extension*"]
            }
            puts "    mixed: unknown-extension warnings on the 3 stock nodes: $warnings"
            assert {$warnings <= 1}
        } finally {
            natlab_destroy $lab
        }
    }

    test {NAT: the nodes.conf we write loads in stock 7.0.15; peers' internal addresses go to a sidecar} {
        natlab_needs
        set lab [natlab_create 2 snat]
        try {
            set hn [list --cluster-announce-internal-hostname]
            natlab_start_server lab 1 $::ours_binary 6379 [nat_cluster_opts [concat $hn pod-1.redis]]
            natlab_start_server lab 2 $::ours_binary 6379 [nat_cluster_opts [concat $hn pod-2.redis]]
            set ids [list [nat_myid $lab 1] [nat_myid $lab 2]]
            natlab_cli $lab 2 cluster meet [natlab_pod_ip $lab 1] 6379
            nat_wait_joined $lab {1 2} $ids
            set dir [file join [dict get $lab dir] p1-6379]
            wait_for_condition 50 50 {
                [file exists $dir/nodes.conf.nat] &&
                [string match "*[lindex $ids 1] [natlab_pod_ip $lab 2] 6379 0 16379 pod-2.redis*" \
                    [exec cat $dir/nodes.conf.nat]]
            } else {
                fail "sidecar: [catch {exec cat $dir/nodes.conf.nat} e; set e]"
            }
            natlab_stop_server lab 1
            # Stock starts on our file, keeps the node id and the peer.
            natlab_start_server lab 1 $::stock_binary 6379 [nat_cluster_opts]
            assert_equal [lindex $ids 0] [nat_myid $lab 1]
            assert_match "*[lindex $ids 1] [natlab_pod_ip $lab 2]:6379@16379*" [natlab_cli $lab 1 cluster nodes]
            assert_equal 0 [nat_log_count [natlab_server_log $lab 1] "*Unrecoverable*"]
        } finally {
            natlab_destroy $lab
        }
    }
}
