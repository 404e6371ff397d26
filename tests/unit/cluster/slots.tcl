# Slot states and node management on a small cluster: announced hostnames
# and preferred endpoints, a hand-driven slot migration (IMPORTING /
# MIGRATING: ASK, ASKING, TRYAGAIN, SETSLOT NODE and the epoch bump),
# CLUSTER LINKS, REPLICATE (the role; data replication is another module)
# and FORGET. Node 2 is a stock server, so roles and slot moves made on our
# nodes are also checked from stock's point of view.
source [file join $::tests_root helpers cluster.tcl]

set third [expr {[file executable $::stock_server] ? $::stock_server : "ours"}]

proc owner_of {i slot} {
    foreach r [R $i cluster slots] {
        if {$slot >= [lindex $r 0] && $slot <= [lindex $r 1]} {return [lindex $r 2 2]}
    }
    return {}
}

start_cluster_nodes [list ours ours $third] {
    test {Two masters and an empty node join} {
        cluster_meet_all 3
        R 0 cluster addslotsrange 0 8191
        R 1 cluster addslotsrange 8192 16383
        cluster_wait_known 3
        cluster_wait_ok 3
        set ::id0 [R 0 cluster myid]
        set ::id1 [R 1 cluster myid]
        set ::id2 [R 2 cluster myid]
    }

    test {Announced hostname travels in the ping extension; preferred endpoint} {
        R 0 config set cluster-announce-hostname n0.example
        wait_for_condition 100 100 {
            [string match "*:[lindex $::cluster_ports 0]@*,n0.example *" [R 1 cluster nodes]] &&
            [string match "*:[lindex $::cluster_ports 0]@*,n0.example *" [R 2 cluster nodes]]
        } else {
            fail "hostname not propagated: [R 1 cluster nodes]"
        }
        # slot 0 ("{06S}") belongs to node 0
        assert_equal 0 [R 1 cluster keyslot "{06S}"]
        assert_error "MOVED 0 127.0.0.1:[lindex $::cluster_ports 0]" {R 1 get "{06S}"}
        R 1 config set cluster-preferred-endpoint-type hostname
        assert_error "MOVED 0 n0.example:[lindex $::cluster_ports 0]" {R 1 get "{06S}"}
        set slots [R 1 cluster slots]
        assert_match "*n0.example [lindex $::cluster_ports 0] $::id0 {ip 127.0.0.1}*" $slots
        R 1 config set cluster-preferred-endpoint-type unknown-endpoint
        assert_error "MOVED 0 :[lindex $::cluster_ports 0]" {R 1 get "{06S}"}
        R 1 config set cluster-preferred-endpoint-type ip
        # Clearing the hostname clears it everywhere (no extension = none).
        R 0 config set cluster-announce-hostname ""
        wait_for_condition 100 100 {
            ![string match "*n0.example*" [R 1 cluster nodes]] &&
            ![string match "*n0.example*" [R 2 cluster nodes]]
        } else {
            fail "hostname not cleared"
        }
    }

    test {cluster-replica-no-failover shows as nofailover everywhere} {
        R 0 config set cluster-replica-no-failover yes
        wait_for_condition 100 100 {
            [cluster_flags_of 0 $::id0] eq "myself,master,nofailover" &&
            [cluster_flags_of 1 $::id0] eq "master,nofailover" &&
            [cluster_flags_of 2 $::id0] eq "master,nofailover"
        } else {
            fail "nofailover not seen: [cluster_flags_of 2 $::id0]"
        }
        R 0 config set cluster-replica-no-failover no
        wait_for_condition 100 100 {[cluster_flags_of 2 $::id0] eq "master"} else {
            fail "nofailover not cleared"
        }
    }

    test {IMPORTING / MIGRATING: ASK, ASKING and TRYAGAIN} {
        set slot [R 0 cluster keyslot foo]
        assert_equal $::id1 [owner_of 0 $slot]
        R 1 set "{foo}here" 1
        assert_equal OK [R 0 cluster setslot $slot importing $::id1]
        assert_equal OK [R 1 cluster setslot $slot migrating $::id0]
        assert_match "*myself,master*\[$slot->-$::id0\]*" [R 1 cluster nodes]
        assert_match "*myself,master*\[$slot-<-$::id1\]*" [R 0 cluster nodes]
        set p0 [lindex $::cluster_ports 0]
        set p1 [lindex $::cluster_ports 1]
        # A key that is not here any more: ask the importing node.
        assert_error "ASK $slot 127.0.0.1:$p0" {R 1 get foo}
        # Keys still here are served; a mix is TRYAGAIN.
        assert_equal 1 [R 1 get "{foo}here"]
        assert_error {TRYAGAIN Multiple keys request during rehashing of slot} {R 1 mget "{foo}here" "{foo}gone"}
        # The importing node serves only ASKING clients, for one command.
        assert_error "MOVED $slot 127.0.0.1:$p1" {R 0 get foo}
        assert_equal OK [R 0 asking]
        assert_equal {} [R 0 get foo]
        assert_error "MOVED $slot 127.0.0.1:$p1" {R 0 get foo}
        assert_equal OK [R 0 asking]
        assert_equal OK [R 0 set foo bar]
        assert_equal 1 [R 0 cluster countkeysinslot $slot]
    }

    test {SETSLOT NODE closes the migration and bumps the epoch} {
        set slot [R 0 cluster keyslot foo]
        assert_error {*while I still hold keys for this hash slot*} {R 1 cluster setslot $slot node $::id0}
        R 1 del "{foo}here"
        assert_equal OK [R 1 cluster setslot $slot node $::id0]
        set epoch_before [R 0 cluster info]
        assert_equal OK [R 0 cluster setslot $slot node $::id0]
        assert_no_match "*->-*" [R 1 cluster nodes]
        assert_no_match "*-<-*" [R 0 cluster nodes]
        wait_for_condition 100 100 {
            [owner_of 0 $slot] eq $::id0 && [owner_of 1 $slot] eq $::id0 && [owner_of 2 $slot] eq $::id0
        } else {
            fail "slot move not agreed: [owner_of 2 $slot]"
        }
        assert_equal bar [R 0 get foo]
        cluster_wait_ok 3
        wait_for_condition 100 100 {[cluster_views_agree 3]} else {
            fail "views differ after the slot move"
        }
    }

    test {CLUSTER LINKS lists a link each way to every peer} {
        wait_for_condition 50 100 {[llength [R 0 cluster links]] == 4} else {
            fail "links: [R 0 cluster links]"
        }
        set dirs {}
        foreach l [R 0 cluster links] {
            set d [dict create {*}$l]
            assert {[dict get $d node] in [list $::id1 $::id2]}
            lappend dirs [dict get $d direction]
        }
        assert_equal {from from to to} [lsort $dirs]
    }

    test {DEBUG CLUSTERLINK KILL and DROP-CLUSTER-PACKET-FILTER} {
        assert_error {*Unknown node nosuch*} {R 0 debug clusterlink kill to nosuch}
        assert_error {*Unknown direction sideways*} {R 0 debug clusterlink kill sideways $::id1}
        assert_equal OK [R 0 debug clusterlink kill all $::id1]
        # Links come back by themselves.
        wait_for_condition 50 100 {[llength [R 0 cluster links]] == 4} else {
            fail "links not re-established"
        }
        # Dropped PONGs never count (the node stays reachable through the
        # pings it sends us, as with stock).
        assert_equal OK [R 0 debug drop-cluster-packet-filter 1]
        wait_for_log_messages [cluster_level 0] {"*Dropping packet that matches debug drop filter*"} 0 50 100
        assert_equal OK [R 0 debug drop-cluster-packet-filter -1]
        assert_equal master [cluster_flags_of 0 $::id1]
        cluster_wait_ok 3
    }

    test {REPLICATE makes an empty node a replica, seen by every node} {
        assert_error {*Can't replicate myself*} {R 0 cluster replicate $::id0}
        assert_error {*Unknown node*} {R 0 cluster replicate 0000000000000000000000000000000000000000}
        assert_error {*the node must be empty and without assigned slots*} {R 0 cluster replicate $::id1}
        # Our node 1 cannot become a replica (it has slots); use stock or
        # our empty node 2 as the replica of our node 0.
        assert_equal OK [R 2 cluster replicate $::id0]
        wait_for_condition 100 100 {
            [cluster_flags_of 0 $::id2] eq "slave" && [cluster_flags_of 1 $::id2] eq "slave"
        } else {
            fail "replica role not seen: [cluster_flags_of 0 $::id2]"
        }
        assert_match "$::id2 *slave $::id0 *" [lindex [R 1 cluster replicas $::id0] 0]
        assert_error {*The specified node is not a master*} {R 1 cluster replicas $::id2}
        wait_for_condition 100 100 {[cluster_views_agree 3]} else {
            fail "views differ after REPLICATE"
        }
        # CLUSTER SLOTS lists the replica after its master's range once it
        # has data (offset not 0, learnt from its pings), as 7.0 does.
        for {set j 0} {[owner_of 0 [R 0 cluster keyslot rk:$j]] ne $::id0} {incr j} {}
        R 0 set rk:$j v
        wait_for_condition 100 100 {
            [string match "*$::id0 {}* $::id2 {}*" [R 1 cluster slots]]
        } else {
            fail "replica not listed: [R 1 cluster slots]"
        }
    }

    test {FORGET removes a node and keeps it out} {
        assert_error {*I tried hard but I can't forget myself...*} {R 0 cluster forget $::id0}
        assert_error {*Can't forget my master!*} {R 2 cluster forget $::id0}
        assert_equal OK [R 1 cluster forget $::id2]
        assert_no_match "*$::id2*" [R 1 cluster nodes]
        # Gossip from node 0 must not bring it back (blacklisted for 60s).
        after 1500
        assert_no_match "*$::id2*" [R 1 cluster nodes]
    }
}
