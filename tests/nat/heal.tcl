# NodePorts and moving pods in the NAT lab (tests/support/natlab.tcl):
#  - every pod announces only its NodePort (cluster-announce-ip/port/
#    bus-port on the k8s node address): redis-cli --cluster create over the
#    NodePorts works, clients see NodePorts, and the bus goes pod to pod;
#  - a pod restarted with a new IP (same nodes.conf) rejoins;
#  - every pod restarted with a new IP at once: the cluster reassembles by
#    re-resolving the peers' stable names (cluster-announce-internal-
#    hostname, served here by per-namespace hosts files).
source [file join $::tests_root helpers nat.tcl]

tags {natlab} {
    test {NAT: NodePort-only announce, redis-cli --cluster create, bus pod to pod} {
        natlab_needs
        set lab [natlab_create 4 snat]
        try {
            set eps {}
            foreach i {1 2 3 4} {
                natlab_nodeport lab $i [expr {30000 + $i}] 6379
                natlab_nodeport lab $i [expr {31000 + $i}] 16379
                natlab_start_server lab $i $::ours_binary 6379 [nat_cluster_opts [list \
                    --cluster-announce-ip [natlab_host_ip] \
                    --cluster-announce-port [expr {30000 + $i}] \
                    --cluster-announce-bus-port [expr {31000 + $i}]]]
                lappend eps [natlab_host_ip]:[expr {30000 + $i}]
            }
            set t0 [clock milliseconds]
            natlab_cli $lab 1 --cluster create {*}[lrange $eps 0 2] --cluster-yes
            set ms [nat_wait_state_ok $lab {1 2 3}]
            puts "    nodeport: create to cluster_state:ok in [expr {[clock milliseconds] - $t0}] ms"
            set ids [nat_ids $lab {1 2 3}]
            nat_wait_joined $lab {1 2 3} $ids
            set check [natlab_sh [natlab_pod_ns $lab 1] redis-cli --cluster check [lindex $eps 0]]
            assert_match "*All nodes agree about slots configuration*" $check
            assert_match "*All 16384 slots covered*" $check
            # Clients see the NodePorts only.
            foreach i {1 2 3} {
                assert_match "*[natlab_host_ip]:[expr {30000 + $i}]@[expr {31000 + $i}] myself*" \
                    [natlab_cli $lab $i cluster nodes]
            }
            set slots [natlab_cli $lab 1 cluster slots]
            assert_no_match "*10.42.0.*" $slots
            set moved {}
            foreach k {a b c d e f g h} {
                set r [natlab_cli $lab 1 set $k v]
                if {[string match *MOVED* $r]} {set moved $r; break}
            }
            assert_match "*MOVED * [natlab_host_ip]:300*" $moved
            # The bus links moved to the pod IPs: none goes through a NodePort.
            wait_for_condition 100 100 {[nat_no_nodeport_links $lab {1 2 3}]} else {
                fail "NodePort links left: [nat_tcp_peers $lab 1] / [nat_tcp_peers $lab 2] / [nat_tcp_peers $lab 3]"
            }
            foreach i {1 2 3} {
                foreach p [nat_tcp_peers $lab $i] {
                    assert_match "10.42.0.*:*" $p
                }
            }
            # Operators see both addresses and which one each link uses.
            set shards [natlab_cli $lab 1 cluster shards]
            assert_match "*internal-ip*[natlab_pod_ip $lab 2]*" $shards
            assert_match "*address-type*internal*" [natlab_cli $lab 1 cluster links]
            assert_no_match "*address-type*external*" [natlab_cli $lab 1 cluster links]
            # Pod 3 "moves" to another NodePort: the new external address
            # propagates, the bus stays pod to pod.
            natlab_nodeport lab 3 30013 6379
            assert_equal OK [natlab_cli $lab 3 config set cluster-announce-port 30013]
            wait_for_condition 100 100 {
                [string match "*[lindex $ids 2] [natlab_host_ip]:30013@31003 master*" [natlab_cli $lab 1 cluster nodes]] &&
                [string match "*[lindex $ids 2] [natlab_host_ip]:30013@31003 master*" [natlab_cli $lab 2 cluster nodes]]
            } else {
                fail "new external address not propagated"
            }
            nat_wait_joined $lab {1 2 3} $ids
            assert {[nat_no_nodeport_links $lab {1 2 3}]}
            # A replica joins over the NodePorts too; it is told to replicate
            # from its master's pod address, not the NodePort.
            set t0 [clock milliseconds]
            set out [natlab_sh [natlab_pod_ns $lab 4] redis-cli --cluster add-node [lindex $eps 3] \
                [lindex $eps 0] --cluster-slave --cluster-master-id [lindex $ids 0]]
            assert_match "*New node added correctly*" $out
            lappend ids [nat_myid $lab 4]
            nat_wait_joined $lab {1 2 3 4} $ids
            puts "    nodeport: replica add-node to joined in [expr {[clock milliseconds] - $t0}] ms"
            wait_for_condition 100 50 {
                [nat_log_count [natlab_server_log $lab 4] "*replicating from master [lindex $ids 0] at its internal address [natlab_pod_ip $lab 1]:6379 (clients see [natlab_host_ip]:30001)*"] == 1
            } else {
                fail "replication target: [log_tail [natlab_server_log $lab 4]]"
            }
            wait_for_condition 100 100 {[nat_no_nodeport_links $lab {1 2 3 4}]} else {
                fail "NodePort links left after the replica joined"
            }
        } finally {
            natlab_destroy $lab
        }
    }

    test {NAT baseline: stock 7.0.15 with NodePort-only announce sends its bus through NodePorts} {
        natlab_needs
        set lab [natlab_create 3 snat]
        try {
            set eps {}
            foreach i {1 2 3} {
                natlab_nodeport lab $i [expr {30000 + $i}] 6379
                natlab_nodeport lab $i [expr {31000 + $i}] 16379
                natlab_start_server lab $i $::stock_binary 6379 [nat_cluster_opts [list \
                    --cluster-announce-ip [natlab_host_ip] \
                    --cluster-announce-port [expr {30000 + $i}] \
                    --cluster-announce-bus-port [expr {31000 + $i}]]]
                lappend eps [natlab_host_ip]:[expr {30000 + $i}]
            }
            natlab_cli $lab 1 --cluster create {*}$eps --cluster-yes
            nat_wait_state_ok $lab {1 2 3}
            set n 0
            foreach i {1 2 3} {
                foreach p [nat_tcp_peers $lab $i] {
                    if {[string match "[natlab_host_ip]:310*" $p]} {incr n}
                }
            }
            puts "    stock baseline: $n bus connections through NodePorts (ours: 0)"
            assert {$n >= 3}
        } finally {
            natlab_destroy $lab
        }
    }

    test {NAT: a pod restarted with a new IP rejoins through SNAT} {
        natlab_needs
        set lab [natlab_create 3 snat]
        try {
            foreach i {1 2 3} {natlab_start_server lab $i $::ours_binary 6379 [nat_cluster_opts]}
            set eps {}
            foreach i {1 2 3} {lappend eps [natlab_pod_ip $lab $i]:6379}
            natlab_cli $lab 1 --cluster create {*}$eps --cluster-yes
            nat_wait_state_ok $lab {1 2 3}
            set ids [nat_ids $lab {1 2 3}]
            nat_wait_joined $lab {1 2 3} $ids
            # A key in pod 3's slots (10923-16383), saved with its node.
            assert_equal 13553 [natlab_cli $lab 3 cluster keyslot pod3]
            assert_equal OK [natlab_cli $lab 3 set pod3 v3]
            assert_equal OK [natlab_cli $lab 3 save]
            natlab_stop_server lab 3
            set oldip [natlab_pod_ip $lab 3]
            natlab_readdress lab 3 10.42.0.50
            set t0 [clock milliseconds]
            natlab_start_server lab 3 $::ours_binary 6379 [nat_cluster_opts]
            assert_equal [lindex $ids 2] [nat_myid $lab 3]
            nat_wait_joined $lab {1 2 3} $ids
            nat_wait_state_ok $lab {1 2 3}
            puts "    re-addressed pod: restart to healed (listed connected, state ok) in [expr {[clock milliseconds] - $t0}] ms"
            foreach i {1 2} {
                assert_match "*[lindex $ids 2] 10.42.0.50:6379@16379*" [natlab_cli $lab $i cluster nodes]
            }
            assert_match "*[lindex $ids 2] 10.42.0.50:6379@16379 myself*" [natlab_cli $lab 3 cluster nodes]
            # The restarted node itself serves its slots at the new address
            # in CLUSTER SLOTS (stock keeps its stale nodes.conf address:
            # tests/nat/lab.tcl), and nobody lists the old one.
            set slots [natlab_cli $lab 3 cluster slots]
            assert_match "*10.42.0.50\n6379\n[lindex $ids 2]*" $slots
            foreach i {1 2 3} {
                assert_no_match "*$oldip:*" [natlab_cli $lab $i cluster nodes]
            }
            # Its data came back with it; a client following MOVED from
            # pod 1 is sent to the new address.
            set out [exec ip netns exec [natlab_pod_ns $lab 1] redis-cli -c -h [natlab_pod_ip $lab 1] << "get pod3"]
            assert_match "*located at 10.42.0.50:6379*v3*" $out
        } finally {
            natlab_destroy $lab
        }
    }

    test {NAT: every pod restarted with a new IP at once reassembles by hostname} {
        natlab_needs
        set lab [natlab_create 3 snat]
        try {
            set names {}
            foreach i {1 2 3} {lappend names [list pod-$i.redis [natlab_pod_ip $lab $i]]}
            foreach i {1 2 3} {natlab_hosts $lab $i $names}
            foreach i {1 2 3} {
                natlab_start_server lab $i $::ours_binary 6379 [nat_cluster_opts \
                    [list --cluster-announce-internal-hostname pod-$i.redis]]
            }
            set eps {}
            foreach i {1 2 3} {lappend eps [natlab_pod_ip $lab $i]:6379}
            natlab_cli $lab 1 --cluster create {*}$eps --cluster-yes
            nat_wait_state_ok $lab {1 2 3}
            set ids [nat_ids $lab {1 2 3}]
            nat_wait_joined $lab {1 2 3} $ids
            # Peers know each other's names (persisted next to nodes.conf).
            foreach i {1 2 3} {
                set f [file join [dict get $lab dir] p$i-6379 nodes.conf.nat]
                wait_for_condition 50 50 {
                    [file exists $f] && [llength [regexp -all -inline {pod-\d\.redis} [exec cat $f]]] == 2
                } else {
                    fail "pod $i sidecar"
                }
            }
            # Some data, saved.
            natlab_sh [natlab_pod_ns $lab 1] redis-cli -c -h [natlab_pod_ip $lab 1] set natkey natval
            foreach i {1 2 3} {natlab_cli $lab $i save}
            foreach i {1 2 3} {natlab_stop_server lab $i}
            # New IPs for everyone, the "DNS" follows.
            set names {}
            foreach i {1 2 3} {
                natlab_readdress lab $i 10.42.0.[expr {60 + $i}]
                lappend names [list pod-$i.redis [natlab_pod_ip $lab $i]]
            }
            foreach i {1 2 3} {natlab_hosts $lab $i $names}
            set t0 [clock milliseconds]
            foreach i {1 2 3} {
                natlab_start_server lab $i $::ours_binary 6379 [nat_cluster_opts \
                    [list --cluster-announce-internal-hostname pod-$i.redis]]
            }
            nat_wait_joined $lab {1 2 3} $ids 300
            nat_wait_state_ok $lab {1 2 3}
            puts "    full restart with new IPs: to healed (all connected, state ok) in [expr {[clock milliseconds] - $t0}] ms"
            assert_equal $ids [nat_ids $lab {1 2 3}]
            foreach i {1 2 3} {
                foreach j {1 2 3} {
                    assert_match "*[lindex $ids [expr {$j - 1}]] 10.42.0.[expr {60 + $j}]:6379@16379*" \
                        [natlab_cli $lab $i cluster nodes]
                }
            }
            assert_equal natval [natlab_sh [natlab_pod_ns $lab 2] redis-cli -c -h [natlab_pod_ip $lab 2] get natkey]
            set log [natlab_server_log $lab 1]
            assert {[nat_log_count $log "*re-resolved hostname pod-*"] >= 1}
        } finally {
            natlab_destroy $lab
        }
    }
}
