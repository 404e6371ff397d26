# The NAT lab itself (tests/support/natlab.tcl), checked against stock
# Redis 7.0.15: the lab must translate addresses the way k3d's Flannel does,
# and stock Redis Cluster must fail in it exactly as in the field report
# (../shared/seeds/000_*.txt). The NAT-aware bus is then tested in the same
# lab against this baseline.

source [file join $::tests_root helpers nat.tcl]

tags {natlab} {
    test {NAT lab: pod-to-pod connections arrive from the bridge address} {
        natlab_needs
        set lab [natlab_create 2 snat]
        try {
            natlab_start_server lab 1 $::stock_binary
            set list [natlab_cli $lab 2 -to 1 client list]
            assert_match "*addr=[natlab_bridge_ip]:*" $list
            # Through a NodePort the translation is the same.
            natlab_nodeport lab 1 30001 6379
            set out [natlab_sh [natlab_pod_ns $lab 2] redis-cli -h [natlab_host_ip] -p 30001 client list]
            assert_match "*addr=[natlab_bridge_ip]:*laddr=[natlab_pod_ip $lab 1]:6379*" $out
        } finally {
            natlab_destroy $lab
        }
    }

    test {NAT lab: without translation the peer address is the pod's} {
        natlab_needs
        set lab [natlab_create 2 none]
        try {
            natlab_start_server lab 1 $::stock_binary
            set list [natlab_cli $lab 2 -to 1 client list]
            assert_match "*addr=[natlab_pod_ip $lab 2]:*" $list
        } finally {
            natlab_destroy $lab
        }
    }

    test {NAT lab: stock 7.0.15 MEET fails behind SNAT as in the field report} {
        natlab_needs
        set lab [natlab_create 2 snat]
        try {
            foreach i {1 2} {
                natlab_start_server lab $i $::stock_binary 6379 \
                    {--cluster-enabled yes --cluster-node-timeout 1000 --loglevel verbose}
            }
            # Pod 2 meets pod 1 by its pod address, as redis-cli --cluster does.
            assert_equal OK [natlab_cli $lab 2 cluster meet [natlab_pod_ip $lab 1] 6379]
            # Pod 1 recorded pod 2 at the bridge address and cannot dial back.
            nat_wait_dials_bridge $lab 1 "pod 1"
            # Pod 2 (whose outbound handshake worked) lists pod 1 ...
            wait_for_condition 100 50 {
                [llength [natlab_cluster_nodes $lab 2]] == 2
            } else {
                fail "pod 2 never learned pod 1"
            }
            # ... but pod 1 never lists pod 2 as a connected peer at its
            # real address.
            foreach line [natlab_cluster_nodes $lab 1] {
                assert_no_match "*[natlab_pod_ip $lab 2]:6379*connected*" $line
            }
        } finally {
            natlab_destroy $lab
        }
    }

    test {NAT lab: stock 7.0.15 restarted at a new IP keeps announcing its stale nodes.conf address} {
        natlab_needs
        # No translation at all: even so stock trusts its nodes.conf.
        set lab [natlab_create 2 none]
        try {
            foreach i {1 2} {natlab_start_server lab $i $::stock_binary 6379 [nat_cluster_opts]}
            set ids [nat_ids $lab {1 2}]
            assert_equal OK [natlab_cli $lab 2 cluster meet [natlab_pod_ip $lab 1] 6379]
            natlab_cli $lab 2 cluster addslotsrange 0 16383
            nat_wait_joined $lab {1 2} $ids
            nat_wait_state_ok $lab {1 2}
            natlab_stop_server lab 2
            set oldip [natlab_pod_ip $lab 2]
            natlab_readdress lab 2 10.42.0.50
            natlab_start_server lab 2 $::stock_binary 6379 [nat_cluster_opts]
            assert_equal [lindex $ids 1] [nat_myid $lab 2]
            # It is back in the cluster (it talks to pod 1) ...
            wait_for_condition 100 50 {[nat_sees_connected $lab 2 $ids]} else {
                fail "restarted stock node never reconnected: [natlab_cli $lab 2 cluster nodes]"
            }
            # ... but its myself line and CLUSTER SLOTS still give the old IP.
            assert_match "*[lindex $ids 1] $oldip:6379@16379 myself*" [natlab_cli $lab 2 cluster nodes]
            assert_match "*$oldip\n6379\n[lindex $ids 1]*" [natlab_cli $lab 2 cluster slots]
            puts "    stock baseline: restarted at 10.42.0.50, its CLUSTER NODES myself line and CLUSTER SLOTS still say $oldip"
        } finally {
            natlab_destroy $lab
        }
    }
}
