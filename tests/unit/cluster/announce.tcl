# cluster-announce-ip / -bus-port: what a node puts in its bus header is
# what peers record and dial (cluster_addr.c), for stock peers too. Both
# nodes also listen on 127.0.0.2 so the announced address is reachable.
source [file join $::tests_root helpers cluster.tcl]

set peer [expr {[file executable $::stock_server] ? $::stock_server : "ours"}]

start_cluster_nodes [list ours $peer] {
    test {A stock peer records and dials our announced IP} {
        R 0 config set cluster-announce-ip 127.0.0.2
        R 0 config set cluster-announce-bus-port [expr {[lindex $::cluster_ports 0] + 10000}]
        R 1 cluster meet 127.0.0.1 [lindex $::cluster_ports 0]
        R 0 cluster addslotsrange 0 8191
        R 1 cluster addslotsrange 8192 16383
        cluster_wait_known 2
        set id0 [R 0 cluster myid]
        wait_for_condition 100 100 {
            [string match "$id0 127.0.0.2:[lindex $::cluster_ports 0]@* master - * connected 0-8191" \
                [lsearch -inline [split [R 1 cluster nodes] \n] "$id0 *"]]
        } else {
            fail "stock view of us: [R 1 cluster nodes]"
        }
        assert_match "$id0 127.0.0.2:*myself,master*" [lsearch -inline [split [R 0 cluster nodes] \n] "$id0 *"]
        cluster_wait_ok 2
        assert_error "MOVED 0 127.0.0.2:[lindex $::cluster_ports 0]" {R 1 get "{06S}"}
    }

    test {Dropping cluster-announce-ip: the IP is learnt again from peers} {
        R 0 config set cluster-announce-ip ""
        R 1 cluster meet 127.0.0.1 [lindex $::cluster_ports 0]
        set id0 [R 0 cluster myid]
        wait_for_condition 100 100 {
            [string match "$id0 127.0.0.1:*" [lsearch -inline [split [R 1 cluster nodes] \n] "$id0 *"]] &&
            [string match "$id0 127.0.0.1:*" [lsearch -inline [split [R 0 cluster nodes] \n] "$id0 *"]]
        } else {
            fail "address not relearnt: [R 0 cluster nodes] / [R 1 cluster nodes]"
        }
    }
} {bind {127.0.0.1 127.0.0.2}}
