# Cluster bus features of issue 4 not covered elsewhere, each across
# implementations (ours and stock 7.0.15 in one cluster): sharded pub/sub
# over the bus (SPUBLISH on a master reaches SSUBSCRIBErs on its replicas,
# stock or ours, via PUBLISHSHARD), cluster-link-sendbuf-limit (a link to a
# frozen peer is dropped once its send buffer passes the limit, counted in
# CLUSTER INFO, and comes back), and cluster-port (a bus port that is not
# port + 10000).
source [file join $::tests_root helpers cluster.tcl]

# A message (RESP push) read from a deferred client, or a failure after
# a bounded wait.
proc bus_read_message {c} {
    set got {}
    if {[catch {$c read} got]} {fail "no message: $got"}
    return $got
}

# A channel name whose slot lies in lo..hi.
proc bus_channel_in {i lo hi} {
    for {set k 0} {$k < 100000} {incr k} {
        set s [R $i cluster keyslot ch:$k]
        if {$s >= $lo && $s <= $hi} {return ch:$k}
    }
    error "no channel in $lo..$hi"
}

# Node 0 ours and node 1 stock are masters (slots split in two); node 2
# (ours) replicates the stock master, node 3 (stock) our master.
start_cluster_nodes [list ours $::stock_server ours $::stock_server] {
    test {Cluster with stock and ours, each master with a replica of the other kind} {
        cluster_meet_all 4
        cluster_wait_known 4
        cluster_assign_slots 2
        R 2 cluster replicate [R 1 cluster myid]
        R 3 cluster replicate [R 0 cluster myid]
        cluster_wait_replicas {0 1 2 3} [list [R 2 cluster myid]] [R 1 cluster myid]
        cluster_wait_replicas {0 1 2 3} [list [R 3 cluster myid]] [R 0 cluster myid]
        cluster_wait_synced 2
        cluster_wait_synced 3
        cluster_wait_ok 4
    }

    test {SPUBLISH reaches SSUBSCRIBErs on the shard's replicas, stock and ours, over the bus} {
        foreach {master replica lo hi} {0 3 0 8191 1 2 8192 16383} {
            set ch [bus_channel_in 0 $lo $hi]
            set sub [redis 127.0.0.1 [lindex $::cluster_ports $replica] 1]
            $sub ssubscribe $ch
            assert_equal [list ssubscribe $ch 1] [$sub read]
            # One subscriber in the shard: the replica's (the master counts
            # only its own clients).
            assert_equal 0 [R $master spublish $ch "from $master"]
            assert_equal [list smessage $ch "from $master"] [bus_read_message $sub]
            # Other shards never see it: the other master refuses the channel.
            set other [expr {1 - $master}]
            assert_error "MOVED*" {R $other spublish $ch x}
            $sub close
        }
    }

    test {cluster-link-sendbuf-limit drops the link to a frozen peer, which comes back} {
        assert_equal OK [R 0 config set cluster-link-sendbuf-limit 1048576]
        assert_equal 1048576 [lindex [R 0 config get cluster-link-sendbuf-limit] 1]
        set pid [srv [cluster_level 3] pid]
        exec kill -STOP $pid
        try {
            # PUBLISH goes to every node over the bus: what node 3 does not
            # read piles up in node 0's send buffers (after the kernel's).
            set payload [string repeat x 100000]
            wait_for_condition 300 10 {
                [R 0 publish big $payload] >= 0 &&
                [string match "*total_cluster_links_buffer_limit_exceeded:\[1-9\]*" [R 0 cluster info]]
            } else {
                fail "the limit never dropped a link: [R 0 cluster links]"
            }
            # Every link's buffer stays bounded.
            foreach link [R 0 cluster links] {
                assert_lessthan_equal [dict get $link send-buffer-allocated] [expr {1048576 + 200000}]
            }
        } finally {
            exec kill -CONT $pid
        }
        assert_equal OK [R 0 config set cluster-link-sendbuf-limit 0]
        cluster_wait_known 4
        cluster_wait_ok 4
    }
}

# cluster-port: the bus listens where configured, CLUSTER NODES shows it,
# and a MEET giving it explicitly joins ours and stock.
set ::bus_ports {}
foreach bin {ours stock} {lappend ::bus_ports [find_available_port]}
start_server [list tags {cluster} binary $::stock_server overrides \
                  [list cluster-enabled yes cluster-port [lindex $::bus_ports 1] cluster-node-timeout 1500]] {
    start_server [list tags {cluster} overrides \
                      [list cluster-enabled yes cluster-port [lindex $::bus_ports 0] cluster-node-timeout 1500]] {
        test {cluster-port: the bus port is the configured one, ours and stock meet on it} {
            set cp [lindex $::bus_ports 0]
            set stock_cp [lindex $::bus_ports 1]
            assert_equal $cp [lindex [r config get cluster-port] 1]
            # (No IP yet, as stock: a lone node learns it from its first bus
            # socket.)
            assert_match "* :[srv 0 port]@$cp myself,*" [r cluster nodes]
            assert_match "* :[srv -1 port]@$stock_cp myself,*" [r -1 cluster nodes]
            assert_equal OK [r cluster meet 127.0.0.1 [srv -1 port] $stock_cp]
            wait_for_condition 100 50 {
                [string match "*127.0.0.1:[srv -1 port]@$stock_cp master - * connected*" [r cluster nodes]] &&
                [string match "*127.0.0.1:[srv 0 port]@$cp master - * connected*" [r -1 cluster nodes]]
            } else {
                fail "not joined on the cluster ports:\n[r cluster nodes]\n[r -1 cluster nodes]"
            }
            assert_match "*127.0.0.1:$cp *" [exec ss -Htln "sport = :$cp"]
        }
    }
}
