# A mixed cluster: two of our nodes and two stock redis-server 7.0.15 nodes.
# It forms and converges (every node prints the same CLUSTER NODES), epoch
# collisions resolve across implementations, failures are agreed on, and a
# node's nodes.conf moves between implementations: a stock node is replaced
# by ours started on its file, and one of ours by a stock one.
source [file join $::tests_root helpers cluster.tcl]

if {![file executable $::stock_server]} {
    puts "skipping mixed cluster tests: no $::stock_server"
    return
}

proc node_conf {dir} {
    set fd [open [file join $dir nodes.conf] r]
    set data [read $fd]
    close $fd
    return $data
}

start_cluster_nodes [list ours $::stock_server ours $::stock_server] {
    test {Mixed cluster (ours + stock) forms and converges} {
        cluster_meet_all 4
        cluster_assign_slots 4
        cluster_wait_known 4
        cluster_wait_ok 4
        wait_for_condition 150 100 {[cluster_views_agree 4]} else {
            fail "views differ:\n[join [cluster_view 0] \n]\n---\n[join [cluster_view 1] \n]"
        }
    }

    test {Config epochs end up unique across implementations} {
        wait_for_condition 150 100 {
            [llength [lsort -unique [lmap l [cluster_view 0] {lindex $l 4}]]] == 4
        } else {
            fail "epochs still collide: [cluster_view 0]"
        }
        wait_for_condition 100 100 {[cluster_views_agree 4]} else {
            fail "views differ after epoch bumps"
        }
    }

    test {CLUSTER SLOTS and SHARDS are the same from ours and from stock} {
        assert_equal [R 1 cluster slots] [R 0 cluster slots]
        assert_equal [R 3 cluster slots] [R 2 cluster slots]
        assert_equal [lsort [R 1 cluster shards]] [lsort [R 0 cluster shards]]
        assert_equal [R 1 cluster countkeysinslot 0] [R 0 cluster countkeysinslot 0]
    }

    test {PUBLISH crosses the bus both ways between ours and stock} {
        # Subscribers on a stock node (1) and on ours (2); publish on ours
        # (0) and on stock (3): every message reaches both.
        set subs {}
        foreach i {1 2} {
            set s [redis 127.0.0.1 [lindex $::cluster_ports $i] 1]
            $s subscribe news
            assert_equal {subscribe news 1} [$s read]
            lappend subs $s
        }
        assert_equal 0 [R 0 publish news from-ours]
        assert_equal 0 [R 3 publish news from-stock]
        foreach s $subs {
            assert_equal {message news from-ours} [$s read]
            assert_equal {message news from-stock} [$s read]
            $s close
        }
    }

    test {redis-cli --cluster check is clean on a mixed cluster} {
        foreach i {0 1} {
            set out [redis_cli --cluster check 127.0.0.1:[lindex $::cluster_ports $i]]
            assert_match {*All nodes agree about slots configuration*} $out
            assert_match {*All 16384 slots covered*} $out
        }
        set p [lindex $::cluster_ports 1]
        for {set k 0} {$k < 10} {incr k} {
            assert_equal OK [redis_cli -c -p $p set mk:$k v$k]
            assert_equal v$k [redis_cli -c -p [lindex $::cluster_ports 0] get mk:$k]
        }
    }

    test {A killed stock master is FAILed by ours and by stock} {
        set victim [R 3 cluster myid]
        set dir3 [srv [cluster_level 3] dir]
        exec kill -9 [srv [cluster_level 3] pid]
        cluster_forget_client 3
        wait_for_condition 100 100 {
            [cluster_flags_of 0 $victim] eq "master,fail" &&
            [cluster_flags_of 1 $victim] eq "master,fail" &&
            [cluster_flags_of 2 $victim] eq "master,fail"
        } else {
            fail "not FAIL everywhere: [cluster_flags_of 0 $victim] [cluster_flags_of 1 $victim] [cluster_flags_of 2 $victim]"
        }
        set ::victim_conf [node_conf $dir3]
        set ::victim_id $victim
    }

    test {Our node takes over a stock node's nodes.conf} {
        # Drop-in: our server started on the stock node's file is the same
        # node (same id, slots, epoch) and the cluster heals around it.
        set dir [file join $::tests_root tmp "nodesconf.[pid].3"]
        file mkdir $dir
        set fd [open [file join $dir nodes.conf] w]
        puts -nonewline $fd $::victim_conf
        close $fd
        start_server [list tags {cluster} overrides [list cluster-enabled yes \
                cluster-node-timeout $::cluster_node_timeout dir [file normalize $dir]]] {
            lset ::cluster_ports 3 [srv 0 port]
            assert_equal $::victim_id [R 3 cluster myid]
            wait_for_condition 150 100 {
                [cluster_flags_of 0 $::victim_id] eq "master" &&
                [cluster_flags_of 1 $::victim_id] eq "master"
            } else {
                fail "replacement not accepted: [cluster_flags_of 1 $::victim_id]"
            }
            cluster_wait_ok 4
            wait_for_condition 150 100 {[cluster_views_agree 4]} else {
                fail "views differ after the replacement"
            }

            # And the other way: a stock node on the file one of ours wrote.
            set ours_id [R 2 cluster myid]
            set dir2 [srv -2 dir]
            exec kill -9 [srv -2 pid]
            cluster_forget_client 2
            set conf [node_conf $dir2]
            assert_match "*$ours_id *myself,master*" $conf
            assert_match "*vars currentEpoch * lastVoteEpoch *" $conf
            set sdir [file join $::tests_root tmp "nodesconf.[pid].2"]
            file mkdir $sdir
            set fd [open [file join $sdir nodes.conf] w]
            puts -nonewline $fd $conf
            close $fd
            start_server [list tags {cluster} binary $::stock_server overrides [list cluster-enabled yes \
                    cluster-node-timeout $::cluster_node_timeout dir [file normalize $sdir]]] {
                lset ::cluster_ports 2 [srv 0 port]
                assert_equal $ours_id [R 2 cluster myid]
                cluster_wait_ok 4
                wait_for_condition 150 100 {[cluster_views_agree 4]} else {
                    fail "views differ after stock took our file"
                }
                # Our peers stop sending it the NAT extension at once (at
                # most one reply each carried it): no per-ping warnings.
                after [expr {2 * $::cluster_node_timeout}]
                set fd [open [srv 0 stdout]]; set log [read $fd]; close $fd
                assert {[regexp -all {unknown extension} $log] <= 2}
            }
            catch {file delete -force $sdir}
        }
        catch {file delete -force $dir}
    }
}
