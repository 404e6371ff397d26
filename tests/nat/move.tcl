# A pod rescheduled on another Kubernetes node (tests/support/natlab.tcl
# with two k8s nodes): it comes back on the same volume (nodes.conf) with a
# new pod IP in the other node's subnet, and, in the NodePort setup where
# each pod announces cluster-announce-ip = the host IP of its node, a new
# external address. Nothing is edited by hand: every peer must learn the new
# internal address (bus pod to pod, across nodes, through both nodes' SNAT)
# and show clients the new external one (CLUSTER NODES/SLOTS, MOVED).
source [file join $::tests_root helpers nat.tcl]

# One field of node id in CLUSTER SHARDS as pod `from` sees it ("" if
# absent). redis-cli prints the nested reply one element per line.
proc nat_shard_field {lab from id field} {
    set lines [split [natlab_cli $lab $from cluster shards] \n]
    set at [lsearch -exact $lines $id]
    if {$at < 0} {return {}}
    for {set j [expr {$at + 1}]} {$j < [llength $lines] - 1} {incr j} {
        set l [lindex $lines $j]
        if {$l eq "id"} break
        if {$l eq $field} {return [lindex $lines [expr {$j + 1}]]}
    }
    return {}
}

# redis-cli -c in pod `from` entering through host:port, one command per
# line of `cmds`.
proc nat_cli_via {lab from host port cmds} {
    exec ip netns exec [natlab_pod_ns $lab $from] redis-cli -c -h $host -p $port << [join $cmds \n]
}

tags {natlab} {
    test {NAT: a pod moved to another k8s node: new pod IP and NodePort address learnt by every peer} {
        natlab_needs
        set pods {1 2 3}
        set lab [natlab_create 3 snat 2]
        try {
            set eps {}
            foreach i $pods {
                natlab_nodeport lab $i [expr {30000 + $i}] 6379
                natlab_nodeport lab $i [expr {31000 + $i}] 16379
                natlab_start_server lab $i $::ours_binary 6379 [nat_cluster_opts [list \
                    --cluster-announce-ip [natlab_host_ip 1] \
                    --cluster-announce-port [expr {30000 + $i}] \
                    --cluster-announce-bus-port [expr {31000 + $i}]]]
                lappend eps [natlab_host_ip 1]:[expr {30000 + $i}]
            }
            natlab_cli $lab 1 --cluster create {*}$eps --cluster-yes
            nat_wait_state_ok $lab $pods
            set ids [nat_ids $lab $pods]
            set id3 [lindex $ids 2]
            nat_wait_joined $lab $pods $ids
            set cmds {}
            set gets {}
            set want {}
            for {set k 0} {$k < 30} {incr k} {
                lappend cmds "set key:$k val:$k"
                lappend gets "get key:$k"
                lappend want val:$k
            }
            nat_cli_via $lab 1 [natlab_host_ip 1] 30001 $cmds
            set keys3 [string trim [natlab_cli $lab 3 dbsize]]
            assert {$keys3 > 0}
            assert_equal OK [natlab_cli $lab 3 save]
            # Node 1 drains: pod 3 is rescheduled on node 2.
            natlab_stop_server lab 3
            natlab_move_pod lab 3 2 10.42.1.13
            set t0 [clock milliseconds]
            natlab_start_server lab 3 $::ours_binary 6379 [nat_cluster_opts [list \
                --cluster-announce-ip [natlab_host_ip 2] \
                --cluster-announce-port 30003 --cluster-announce-bus-port 31003]]
            assert_equal $id3 [nat_myid $lab 3]
            # The lab translates across nodes: pod 1 reaches pod 3 from
            # node 1's host address.
            assert_match "*addr=[natlab_host_ip 1]:*" [natlab_cli $lab 1 -to 3 client list]
            # Every peer: the new external address for clients, the new
            # internal one for the bus.
            wait_for_condition 200 50 {
                [string match "*$id3 [natlab_host_ip 2]:30003@31003 master - * connected *" [natlab_cli $lab 1 cluster nodes]] &&
                [string match "*$id3 [natlab_host_ip 2]:30003@31003 master - * connected *" [natlab_cli $lab 2 cluster nodes]] &&
                [nat_shard_field $lab 1 $id3 internal-ip] eq "10.42.1.13" &&
                [nat_shard_field $lab 2 $id3 internal-ip] eq "10.42.1.13"
            } else {
                fail "move not learnt:\n[natlab_cli $lab 1 cluster nodes]\n[natlab_cli $lab 2 cluster nodes]"
            }
            nat_wait_joined $lab $pods $ids
            nat_wait_state_ok $lab $pods
            puts "    moved pod: restart on another k8s node to new addresses learnt, state ok in [expr {[clock milliseconds] - $t0}] ms"
            assert_match "*$id3 [natlab_host_ip 2]:30003@31003 myself,master*" [natlab_cli $lab 3 cluster nodes]
            # Its own CLUSTER SLOTS too: its slots at the new node's address.
            set slots [natlab_cli $lab 3 cluster slots]
            assert_match "*[natlab_host_ip 2]\n30003\n$id3*" $slots
            assert_no_match "*[natlab_host_ip 1]\n30003*" $slots
            foreach i {1 2} {
                assert {[nat_log_count [natlab_server_log $lab $i] "*internal address of node $id3 changed from * to 10.42.1.13:6379@16379*"] >= 1}
                set slots [natlab_cli $lab $i cluster slots]
                assert_match "*[natlab_host_ip 2]\n30003\n$id3*" $slots
                assert_no_match "*10.42.*" $slots
                assert_no_match "*[natlab_host_ip 1]\n30003*" $slots
            }
            # The bus goes pod to pod across the nodes, never via NodePorts.
            wait_for_condition 100 100 {
                [nat_no_nodeport_links $lab $pods] &&
                [string match "*10.42.1.13:16379*" [nat_tcp_peers $lab 1]]
            } else {
                fail "bus links: [nat_tcp_peers $lab 1] / [nat_tcp_peers $lab 3]"
            }
            # A client entering through node 1's NodePort follows MOVED to
            # node 2's and reads everything back.
            set vals {}
            set moved 0
            foreach line [split [string trim [nat_cli_via $lab 2 [natlab_host_ip 1] 30002 $gets]] \n] {
                if {[string match "*Redirected*located at [natlab_host_ip 2]:30003*" $line]} {incr moved}
                if {![string match "*Redirected*" $line]} {lappend vals $line}
            }
            assert_equal $want $vals
            assert {$moved >= 1}
        } finally {
            natlab_destroy $lab
        }
    }
}
