# TLS on the cluster bus (tls-cluster) and for replication inside a
# cluster (tls-replication): a mixed cluster of three of our nodes and three
# stock 7.0.15 ones, formed by stock `redis-cli --tls --cluster create
# --cluster-replicas 1`. Ports clients see (CLUSTER NODES/SLOTS, MOVED) are
# the TLS ones for TLS clients and the plain ones for TCP clients, as stock
# gives them; MIGRATE crosses implementations over TLS; our nodes still
# exchange the NAT extension; ASK and a stock `redis-cli --tls --cluster
# reshard` of live keys work across implementations; a killed master is
# replaced by its replica.
# First, the announced ports under the cluster-announce-* directives are
# compared with stock on single nodes.
source [file join $::tests_root helpers cluster.tcl]
source [file join $::tests_root helpers tls.tcl]

if {![file executable $::stock_server]} {
    test {TLS cluster against stock} { skip "no $::stock_server" }
    return
}
if {![tls_supported]} {
    test {TLS cluster: not compiled in (BUILD_TLS=no)} { skip "server built without TLS" }
    return
}
tls_setup

proc tlsc_client {tport} {
    redis 127.0.0.1 $tport 0 [list -cafile [tlsf ca.crt] -certfile [tlsf client.crt] \
                                  -keyfile [tlsf client.key]]
}

# What a node tells clients about its own ports, with the real port
# numbers replaced by P (plain), T (TLS) and B (bus), so that two servers
# started on different ports compare.
proc tlsc_port_view {tport} {
    set port [srv 0 port]
    set map [list [expr {$tport + 10000}] B [expr {$port + 10000}] B $tport T $port P]
    set t [tlsc_client $tport]
    r cluster addslots 1
    # CLUSTER SHARDS: the port fields (not the id, nor our NAT fields,
    # which show because the announced port is not the real one).
    set shard_ports {}
    foreach {k v} [lindex [$t cluster shards] 0 3 0] {
        if {$k in {port tls-port}} {lappend shard_ports $k $v}
    }
    set view [list [lindex [r cluster nodes] 1] [lindex [$t cluster nodes] 1] \
                  [lindex [r cluster slots] 0 2 1] [lindex [$t cluster slots] 0 2 1] $shard_ports]
    $t close
    string map $map $view
}

test {TLS cluster: announced client ports under cluster-announce-* are stock's} {
    foreach cfg {
        {tls-cluster yes}
        {tls-cluster yes cluster-announce-port 5000}
        {tls-cluster yes cluster-announce-tls-port 6000}
        {tls-cluster yes cluster-announce-tls-port 6000 cluster-announce-port 5000}
        {tls-cluster no cluster-announce-tls-port 6000}
    } {
        set views {}
        foreach bin [list ours $::stock_server] {
            set tport [find_available_port]
            set opts [list tags {cluster tls} overrides [concat [tls_overrides $tport] \
                          {cluster-enabled yes} $cfg]]
            if {$bin ne "ours"} {lappend opts binary $bin}
            start_server $opts {
                lappend views [tlsc_port_view $tport]
            }
        }
        assert_equal [lindex $views 1] [lindex $views 0] "with $cfg"
    }
}

# Six nodes, ours and stock alternating; node i's TLS port is
# [lindex $::tls_ports i], its plain one [lindex $::cluster_ports i].
proc tlsc_start {binaries code} {
    set ::cluster_n [llength $binaries]
    set ::tls_ports {}
    _tlsc_start $binaries $code
}

proc _tlsc_start {binaries code} {
    if {[llength $binaries] == 0} {
        set ::cluster_ports {}
        for {set i 0} {$i < $::cluster_n} {incr i} {
            lappend ::cluster_ports [srv [cluster_level $i] port]
        }
        return [uplevel #0 $code]
    }
    set tport [find_available_port]
    lappend ::tls_ports $tport
    set options [list tags {cluster tls} overrides [concat [tls_overrides $tport] [list \
        cluster-enabled yes cluster-node-timeout $::cluster_node_timeout \
        tls-cluster yes tls-replication yes]]]
    set bin [lindex $binaries 0]
    if {$bin ne "ours"} {lappend options binary $bin}
    start_server $options [list _tlsc_start [lrange $binaries 1 end] $code]
}

# redis-cli --tls against node i.
proc tlsc_cli {i args} {
    tls_cli [lindex $::tls_ports $i] client {*}$args
}

# Index of the master serving slot (from node 0's CLUSTER SLOTS).
proc tlsc_owner_of {slot} {
    foreach range [R 0 cluster slots] {
        if {$slot >= [lindex $range 0] && $slot <= [lindex $range 1]} {
            return [lsearch -exact $::cluster_ports [lindex $range 2 1]]
        }
    }
    return -1
}

proc tlsc_replicas_synced {} {
    for {set i 0} {$i < $::cluster_n} {incr i} {
        set info [R $i info replication]
        if {[string match "*role:slave*" $info] && ![string match "*master_link_status:up*" $info]} {
            return 0
        }
    }
    return 1
}

set ::ours_idx {0 2 4}
set ::stock_idx {1 3 5}

tlsc_start [list ours $::stock_server ours $::stock_server ours $::stock_server] {
    test {TLS cluster: stock redis-cli --tls --cluster create forms a mixed cluster with replicas} {
        set addrs [lmap p $::tls_ports {format 127.0.0.1:%d $p}]
        set out [exec redis-cli --tls --cacert [tlsf ca.crt] --cert [tlsf client.crt] \
                     --key [tlsf client.key] --cluster create {*}$addrs \
                     --cluster-replicas 1 --cluster-yes 2>@1]
        assert_match {*All 16384 slots covered*} $out
        cluster_wait_ok 6
        cluster_wait_known 6
        wait_for_condition 150 100 {[tlsc_replicas_synced]} else {
            fail "replicas did not sync over TLS"
        }
        wait_for_condition 150 100 {[cluster_views_agree 6]} else {
            fail "views differ:\n[join [cluster_view 0] \n]\n---\n[join [cluster_view 1] \n]"
        }
        # Our bus listens 10000 above the TLS port, as stock's does.
        set tp [lindex $::tls_ports 0]
        assert_match "*127.0.0.1:$tp@[expr {$tp + 10000}] myself,*" [lindex [tlsc_cli 0 cluster nodes] 1]
    }

    test {TLS cluster: TLS clients see TLS ports, plain clients plain ones (ours as stock)} {
        foreach i {0 1} {
            lassign [tlsc_cli $i cluster nodes] rc tls_nodes
            set plain_nodes [R $i cluster nodes]
            for {set j 0} {$j < 6} {incr j} {
                set bus [expr {[lindex $::tls_ports $j] + 10000}]
                assert_match "*127.0.0.1:[lindex $::tls_ports $j]@$bus *" $tls_nodes
                assert_match "*127.0.0.1:[lindex $::cluster_ports $j]@$bus *" $plain_nodes
            }
        }
        set t0 [tlsc_client [lindex $::tls_ports 0]]
        set t1 [tlsc_client [lindex $::tls_ports 1]]
        # Replicas are listed once their offset, learnt from pings, is not
        # 0: the two views may differ for a moment.
        wait_for_condition 50 100 {
            [$t1 cluster slots] eq [$t0 cluster slots] && [R 1 cluster slots] eq [R 0 cluster slots]
        } else {
            fail "CLUSTER SLOTS differ: [$t0 cluster slots] / [$t1 cluster slots]"
        }
        assert_equal [lindex $::tls_ports [tlsc_owner_of 0]] [lindex [$t0 cluster slots] 0 2 1]
        $t0 close
        $t1 close
    }

    test {TLS cluster: MOVED carries the TLS port over TLS, the plain port over TCP} {
        set slot [R 0 cluster keyslot tlskey]
        set owner [tlsc_owner_of $slot]
        foreach i {0 1 2 3} {
            if {$i == $owner} continue
            assert_equal [list 0 "MOVED $slot 127.0.0.1:[lindex $::tls_ports $owner]"] \
                [tlsc_cli $i get tlskey] "node $i"
            assert_error "MOVED $slot 127.0.0.1:[lindex $::cluster_ports $owner]" {R $i get tlskey}
        }
    }

    test {TLS cluster: a key set through redis-cli --tls -c is readable from every node} {
        assert_equal {0 OK} [tlsc_cli 1 -c set tlskey hello]
        for {set i 0} {$i < 6} {incr i} {
            assert_equal {0 hello} [tlsc_cli $i -c get tlskey] "node $i"
        }
        # And it reached the owner's replica over the TLS replication link.
        set owner [tlsc_owner_of [R 0 cluster keyslot tlskey]]
        set rep [cluster_replica_of $owner]
        R $rep readonly
        wait_for_condition 50 100 {[R $rep get tlskey] eq "hello"} else {
            fail "replica $rep did not get the key"
        }
        R $rep readwrite
    }

    test {TLS cluster: MIGRATE over TLS from ours to stock and back} {
        set ka "{mig}a"
        set kb "{mig}b"
        set slot [R 0 cluster keyslot $ka]
        set src [tlsc_owner_of $slot]
        # A master of the other implementation.
        set others [expr {$src in $::ours_idx ? $::stock_idx : $::ours_idx}]
        foreach dst $others {
            if {[cluster_role $dst] eq "master"} break
        }
        R $src mset $ka 1 $kb 2
        foreach {from to} [list $src $dst $dst $src] {
            set from_id [R $from cluster myid]
            set to_id [R $to cluster myid]
            R $to cluster setslot $slot importing $from_id
            R $from cluster setslot $slot migrating $to_id
            assert_equal OK [R $from migrate 127.0.0.1 [lindex $::tls_ports $to] "" 0 5000 keys $ka $kb]
            R $to cluster setslot $slot node $to_id
            R $from cluster setslot $slot node $to_id
            assert_equal {1 2} [R $to mget $ka $kb]
            assert_equal 0 [R $from cluster countkeysinslot $slot]
        }
        wait_for_condition 100 100 {[tlsc_owner_of $slot] == $src} else {
            fail "slot $slot not back on node $src"
        }
        # Every node must have seen the move back before any other epoch
        # changes: a node that still has the slot on dst (at dst's first
        # bumped epoch) keeps it there for good once dst's epoch rises again
        # (the next test's import), since src's claim then carries the lower
        # epoch (stock's rule, and stock nodes get stuck the same way).
        wait_for_condition 100 100 {[cluster_views_agree 6]} else { fail "views differ after the moves" }
        assert_equal {0 1} [tlsc_cli 5 -c get $ka]
    }

    test {TLS cluster: ASK carries the TLS port over TLS; redis-cli --tls --cluster reshard moves live keys} {
        # One of our masters gives slots to a stock one, keys in them.
        foreach src $::ours_idx {if {[cluster_role $src] eq "master"} break}
        foreach dst $::stock_idx {if {[cluster_role $dst] eq "master"} break}
        # redis-cli takes a source's slots lowest first: keys in the first
        # 1000 of src's slots are all moved by the reshard below.
        set first {}
        foreach r [lsort -integer -index 0 [R $src cluster slots]] {
            if {[lindex $r 2 1] != [lindex $::cluster_ports $src]} continue
            for {set j [lindex $r 0]} {$j <= [lindex $r 1] && [dict size $first] < 1000} {incr j} {
                dict set first $j 1
            }
        }
        set keys {}
        for {set j 0} {[llength $keys] < 100 && $j < 20000} {incr j} {
            if {[dict exists $first [R 0 cluster keyslot rs:$j]]} {lappend keys rs:$j}
        }
        assert_equal 100 [llength $keys]
        foreach k $keys {R $src set $k v-$k}
        # ASK: a slot half migrated, its key already moved.
        set k [lindex $keys 0]
        set slot [R 0 cluster keyslot $k]
        set src_id [R $src cluster myid]
        set dst_id [R $dst cluster myid]
        R $dst cluster setslot $slot importing $src_id
        R $src cluster setslot $slot migrating $dst_id
        assert_equal OK [R $src migrate 127.0.0.1 [lindex $::tls_ports $dst] $k 0 5000]
        assert_equal [list 0 "ASK $slot 127.0.0.1:[lindex $::tls_ports $dst]"] [tlsc_cli $src get $k]
        assert_error "ASK $slot 127.0.0.1:[lindex $::cluster_ports $dst]*" {R $src get $k}
        assert_equal [list 0 v-$k] [tlsc_cli $src -c get $k]
        R $dst cluster setslot $slot node $dst_id
        R $src cluster setslot $slot node $dst_id
        # The rest by the stock tool over TLS: every slot src has left.
        set tls [list --tls --cacert [tlsf ca.crt] --cert [tlsf client.crt] --key [tlsf client.key]]
        set tport [lindex $::tls_ports 0]
        # reshard refuses while the nodes' views differ.
        cluster_wait_cli_check $tport {*}$tls
        set out [exec redis-cli {*}$tls --cluster reshard 127.0.0.1:[lindex $::tls_ports 0] \
                     --cluster-from $src_id --cluster-to $dst_id --cluster-slots 1000 --cluster-yes 2>@1]
        assert_match "*Moving slot*" $out
        assert_equal 0 [R $src dbsize]
        # The tool sets each slot's owner on the masters only: the replicas
        # learn it from the new owner's next ping (up to half the node
        # timeout later, more under load), so the check has to wait for
        # them, as before the reshard.
        set out [cluster_wait_cli_check $tport {*}$tls]
        assert_match "*All 16384 slots covered*" $out
        assert_no_match "*\[ERR\]*" $out
        foreach k $keys {assert_equal v-$k [R $dst get $k]}
        # As many slots back to src (the lowest of dst's), so every master
        # keeps a share for the tests that follow.
        cluster_wait_cli_check $tport {*}$tls
        exec redis-cli {*}$tls --cluster reshard 127.0.0.1:[lindex $::tls_ports 0] \
            --cluster-from $dst_id --cluster-to $src_id --cluster-slots 1001 --cluster-yes
        assert_morethan [R $src dbsize] 0
        wait_for_condition 100 100 {[cluster_views_agree 6]} else { fail "views differ after the reshards" }
    }

    test {TLS cluster: our nodes exchange the NAT extension over the TLS bus} {
        foreach i $::ours_idx {
            set info [R $i info cluster]
            assert_match "*cluster_nat:internal=127.0.0.1:[lindex $::tls_ports $i]@*nat_aware_peers=2*" $info
        }
        # Internal and external addresses agree: no NAT fields, stock's reply.
        assert_no_match "*internal-ip*" [R 0 cluster shards]
    }

    test {TLS cluster: a killed master is replaced by its replica} {
        # One of our masters (redis-cli may have made any node a replica).
        foreach m $::ours_idx {
            if {[cluster_role $m] eq "master"} break
        }
        set rep [cluster_replica_of $m]
        assert_morethan_equal $rep 0
        set survivor [lindex [lsearch -all -inline -not -regexp {0 1 2 3 4 5} "^($m|$rep)\$"] 0]
        # A key of m's slots.
        for {set j 0} {$j < 1000} {incr j} {
            set k fo:$j
            if {[tlsc_owner_of [R 0 cluster keyslot $k]] == $m} break
        }
        R $m set $k v
        R $rep readonly
        wait_for_condition 50 100 {[R $rep get $k] eq "v"} else {
            fail "write not replicated"
        }
        exec kill -9 [srv [cluster_level $m] pid]
        cluster_forget_client $m
        wait_for_condition 300 50 {[cluster_role $rep] eq "master"} else {
            fail "replica $rep was not promoted"
        }
        wait_for_condition 200 50 {
            [string match "*cluster_state:ok*" [R $survivor cluster info]] &&
            [string match "*cluster_state:ok*" [R $rep cluster info]]
        } else {
            fail "cluster did not recover"
        }
        assert_equal {0 v} [tlsc_cli $survivor -c get $k]
    }
}

tls_cleanup
