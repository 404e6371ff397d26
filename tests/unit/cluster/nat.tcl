# The NAT-aware bus without the network-namespace lab (tests/nat/ has the
# real NAT scenarios): the new directives, and the internal/external split
# on loopback, made by announcing a bus port nobody listens on (as a
# NodePort would be): our peers dial the internal port from the NAT
# extension, show both addresses, and stock peers see only the external.
source [file join $::tests_root helpers cluster.tcl]

start_server {tags {cluster} overrides {cluster-enabled yes cluster-node-timeout 1000}} {
    test {NAT directives: CONFIG GET/SET at run time, validated} {
        assert_equal {cluster-announce-internal-ip {}} [r config get cluster-announce-internal-ip]
        assert_equal OK [r config set cluster-announce-internal-ip 10.42.0.7]
        assert_equal {cluster-announce-internal-ip 10.42.0.7} [r config get cluster-announce-internal-ip]
        assert_match "*cluster_nat:internal=10.42.0.7:[srv 0 port]@*" [r info cluster]
        assert_equal OK [r config set cluster-announce-internal-ip fd00::7]
        assert_error "*Invalid IP address*" {r config set cluster-announce-internal-ip 10.42.0.x}
        assert_equal OK [r config set cluster-announce-internal-ip ""]
        assert_equal OK [r config set cluster-announce-internal-hostname redis-0.redis.ns.svc]
        assert_match "*internal_hostname=redis-0.redis.ns.svc,*" [r info cluster]
        assert_error "*Hostnames may only contain*" {r config set cluster-announce-internal-hostname "a b"}
        assert_equal OK [r config set cluster-announce-internal-hostname ""]
    }
}

# The address-type of node i's outbound link to id ("" without NAT fields).
proc nat_link_type {i id} {
    foreach l [R $i cluster links] {
        set d [dict create {*}$l]
        if {[dict get $d node] eq $id && [dict get $d direction] eq "to" &&
            [dict exists $d address-type]} {return [dict get $d address-type]}
    }
    return {}
}

start_cluster_nodes [list ours ours $::stock_server] {
    test {NAT split on loopback: ours dial the internal bus port, stock the announced one} {
        cluster_meet_all 3
        cluster_wait_known 3
        set id0 [R 0 cluster myid]
        # Node 0 announces a bus port that nothing listens on.
        assert_equal OK [R 0 config set cluster-announce-bus-port 1]
        # Our peer keeps its link (it dials the internal port) ...
        wait_for_condition 50 100 {
            [string match "*127.0.0.1:[lindex $::cluster_ports 0]@1 master*" [R 1 cluster nodes]]
        } else {
            fail "node 1 did not see the announced port: [R 1 cluster nodes]"
        }
        after 1500  ;# over cluster-node-timeout: it would be PFAIL by now
        assert_equal {} [lsearch -all -inline -glob [split [R 1 cluster nodes] \n] "$id0*fail*"]
        assert_match "*$id0*connected*" [R 1 cluster nodes]
        # ... shows both addresses in CLUSTER SHARDS and says which one its
        # link uses in CLUSTER LINKS.
        set shards [R 1 cluster shards]
        assert_match "*internal-ip 127.0.0.1 internal-port [lindex $::cluster_ports 0] internal-bus-port [expr {[lindex $::cluster_ports 0] + 10000}]*" $shards
        set found 0
        foreach l [R 1 cluster links] {
            set d [dict create {*}$l]
            if {[dict get $d node] eq $id0 && [dict get $d direction] eq "to"} {
                assert_equal internal [dict get $d address-type]
                assert_equal 127.0.0.1:[expr {[lindex $::cluster_ports 0] + 10000}] [dict get $d address]
                set found 1
            }
        }
        assert_equal 1 $found
        # The stock peer only knows the announced port (it keeps hearing
        # from node 0 on node 0's own links, so it does not fail it).
        assert_match "*$id0 127.0.0.1:[lindex $::cluster_ports 0]@1 *" [R 2 cluster nodes]
        assert_equal OK [R 0 config set cluster-announce-bus-port 0]
        cluster_wait_known 3
    }

    test {NAT: an internal address that does not answer falls back to the external one} {
        set id0 [R 0 cluster myid]
        # Node 0 claims an internal IP nobody can reach (it listens on
        # 127.0.0.1 only) and announces its reachable address to clients.
        assert_equal OK [R 0 config set cluster-announce-ip 127.0.0.1]
        assert_equal OK [R 0 config set cluster-announce-internal-ip 127.0.0.2]
        wait_for_condition 100 100 {
            [string match "*internal-ip 127.0.0.2*" [R 1 cluster shards]]
        } else {
            fail "node 1 did not learn the internal address: [R 1 cluster shards]"
        }
        # Node 1 tries it, then settles on the external address.
        wait_for_condition 100 100 {
            [nat_link_type 1 $id0] eq "external"
        } else {
            fail "no fallback: [R 1 cluster links]"
        }
        after 1500  ;# over cluster-node-timeout: it stays reachable
        assert_match "*$id0 127.0.0.1:*master - * connected*" [R 1 cluster nodes]
        assert_no_match "*$id0*fail*" [R 1 cluster nodes]
        assert_equal OK [R 0 config set cluster-announce-internal-ip ""]
        assert_equal OK [R 0 config set cluster-announce-ip ""]
        wait_for_condition 100 100 {
            ![string match "*internal-ip*" [R 1 cluster shards]]
        } else {
            fail "split stays: [R 1 cluster shards]"
        }
    }

    test {NAT: no extension warnings on the stock node, no NAT fields without a split} {
        set log [srv [cluster_level 2] stdout]
        set fd [open $log]; set text [read $fd]; close $fd
        # One warning per MEET at most: node 1 MEETs node 0 only.
        assert {[regexp -all {unknown extension} $text] <= 1}
        wait_for_condition 50 100 {
            ![string match "*internal-ip*" [R 0 cluster shards]] &&
            ![string match "*internal-ip*" [R 1 cluster shards]]
        } else {
            fail "NAT fields without a split: [R 0 cluster shards]"
        }
        foreach l [R 0 cluster links] {assert_equal 12 [llength $l]}
    }
}
