# Two Kubernetes nodes routed to each other (tests/support/natlab.tcl with
# two k8s nodes, Flannel host-gw style), one pod on each. Nodes meet through
# the other node's NodePorts, and kube-proxy masquerades that NodePort
# traffic to the receiving node's own address (10.42.0.1 on its pod bridge;
# direct pod-to-pod traffic from the other node arrives from that node's host
# address 172.18.0.3): either way the receiver sees the joining pod at an
# address where nothing listens on the bus port. Stock 7.0.15 records
# that address and never completes the handshake (the baseline printed
# below); our nodes carry their pod address in the header and form a healthy
# cluster whose bus then runs pod to pod, off the NodePorts.
source [file join $::tests_root helpers nat.tcl]

# Pod 1 on node 1, pod 2 on node 2, each with a client and a bus NodePort
# on its own node's host address; the servers are started with `opts`.
proc routed_lab {binary opts} {
    set lab [natlab_create 2 snat 2]
    natlab_move_pod lab 2 2 10.42.1.12
    foreach i {1 2} {
        natlab_nodeport lab $i [expr {30000 + $i}] 6379
        natlab_nodeport lab $i [expr {31000 + $i}] 16379
        natlab_start_server lab $i $binary 6379 $opts
    }
    return $lab
}

# Pod 2 meets pod 1 through node 1's NodePorts, as an operator would from
# the other node.
proc routed_meet {lab} {
    natlab_cli $lab 2 cluster meet [natlab_host_ip 1] 30001 31001
}

tags {natlab} {
    test {NAT baseline: stock 7.0.15 nodes meeting through a routed cross-node NodePort never join} {
        natlab_needs
        set lab [routed_lab $::stock_binary [nat_cluster_opts {--loglevel verbose}]]
        try {
            # The cross-node translation the scenario is about.
            assert_match "*addr=[natlab_host_ip 2]:*" [natlab_cli $lab 2 -to 1 client list]
            assert_equal OK [routed_meet $lab]
            # Pod 1 recorded pod 2 at the node address the NodePort
            # traffic was masqueraded to, and its dial back is refused.
            nat_wait_dials_bridge $lab 1 "stock pod 1"
            foreach line [natlab_cluster_nodes $lab 1] {
                assert_no_match "*[natlab_pod_ip $lab 2]:6379*connected*" $line
            }
            puts "    stock: pod 1 dials pod 2 at [natlab_bridge_ip]:16379 (the masquerade address), refused, never connected"
        } finally {
            natlab_destroy $lab
        }
    }

    test {NAT: our nodes meet through a routed cross-node NodePort and form a healthy cluster} {
        natlab_needs
        set lab [routed_lab $::ours_binary [nat_cluster_opts]]
        try {
            set ids [nat_ids $lab {1 2}]
            set t0 [clock milliseconds]
            assert_equal OK [routed_meet $lab]
            nat_wait_joined $lab {1 2} $ids
            puts "    ours: MEET through node 1's NodePort to joined both ways in [expr {[clock milliseconds] - $t0}] ms"
            # Each side knows the other at its pod address; nobody recorded
            # a host (SNAT) address or a NodePort for the bus.
            wait_for_condition 100 50 {
                [string match "*[natlab_pod_ip $lab 2]:6379@16379*" [natlab_cli $lab 1 cluster nodes]] &&
                [string match "*[natlab_pod_ip $lab 1]:6379@16379*" [natlab_cli $lab 2 cluster nodes]]
            } else {
                fail "pod addresses not learnt:\n[natlab_cli $lab 1 cluster nodes]\n[natlab_cli $lab 2 cluster nodes]"
            }
            foreach i {1 2} {
                foreach line [natlab_cluster_nodes $lab $i] {
                    assert_no_match "*172.18.0.*" $line
                }
            }
            # Slots on both, state ok, a key each side reads through -c.
            natlab_cli $lab 1 cluster addslotsrange 0 8191
            natlab_cli $lab 2 cluster addslotsrange 8192 16383
            nat_wait_state_ok $lab {1 2}
            foreach k {a b c d} {
                assert_equal OK [natlab_cli $lab 1 -c set key:$k v:$k]
                assert_equal v:$k [natlab_cli $lab 2 -c get key:$k]
            }
            # After convergence the bus runs pod to pod across the nodes,
            # none of it through a NodePort.
            wait_for_condition 100 50 {
                [nat_no_nodeport_links $lab {1 2}]
            } else {
                fail "bus links through NodePorts: [nat_tcp_peers $lab 1] / [nat_tcp_peers $lab 2]"
            }
            assert_equal 0 [nat_log_count [natlab_server_log $lab 1] "*Address updated for node*"]
        } finally {
            natlab_destroy $lab
        }
    }
}
