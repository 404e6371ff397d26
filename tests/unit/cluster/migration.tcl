# Replica migration: a master left without working replicas gets one from
# the master with the most (cluster-migration-barrier, only the replica with
# the smallest id moves), in a cluster of ours and in a mixed one where the
# stock replica is the one to move and ours must stay; a master whose last
# slot goes to another master becomes that master's replica
# (cluster-allow-replica-migration yes). Clients blocked on a key whose
# slot moves away get MOVED, as from stock.
source [file join $::tests_root helpers cluster.tcl]

# A fresh node (not met yet) with an id smaller than `than`: CLUSTER RESET
# HARD draws a new random id each time.
proc cluster_draw_id_below {i than} {
    for {set k 0} {$k < 200} {incr k} {
        set id [R $i cluster myid]
        if {[string compare $id $than] < 0} {return $id}
        R $i cluster reset hard
    }
    fail "could not draw a small id on node $i"
}

start_cluster_nodes {ours ours ours ours ours ours} {
    test {Replica migration: the smallest-id spare replica moves to an orphaned master} {
        cluster_meet_all 6
        # Node 2 gets few slots: the next test moves them all away.
        R 0 cluster addslotsrange 0 8191
        R 1 cluster addslotsrange 8192 16373
        R 2 cluster addslotsrange 16374 16383
        cluster_wait_known 6
        set ids [lmap i {0 1 2 3 4 5} {R $i cluster myid}]
        # 0 gets replicas 3 and 4, 1 gets replica 5, 2 none.
        foreach {r m} {3 0 4 0 5 1} {R $r cluster replicate [lindex $ids $m]}
        cluster_wait_replicas {0 1 2 3 4 5} [lrange $ids 3 4] [lindex $ids 0]
        cluster_wait_replicas {0 1 2 3 4 5} [list [lindex $ids 5]] [lindex $ids 1]
        cluster_wait_ok 6
        foreach r {3 4 5} {cluster_wait_synced $r}
        set keys [cluster_keys_in 1 8192 16373 20]
        foreach k $keys {R 1 set $k v-$k}

        exec kill -9 [srv [cluster_level 5] pid]
        cluster_forget_client 5
        set mover [expr {[string compare [lindex $ids 3] [lindex $ids 4]] < 0 ? 3 : 4}]
        set stayer [expr {7 - $mover}]
        cluster_wait_replicas {0 1 2 3 4} [list [lindex $ids $mover]] [lindex $ids 1]
        assert_equal [lindex $ids 0] [cluster_master_of $stayer [lindex $ids $stayer]]
        verify_log_message [cluster_level $mover] "*Migrating to orphaned master [lindex $ids 1]*" 0
        cluster_wait_synced $mover
        R $mover readonly
        foreach k $keys {assert_equal v-$k [R $mover get $k]}
        # Master 0 is down to one replica, the barrier (1): nobody else moves.
        assert_equal [lindex $ids 0] [cluster_master_of 0 [lindex $ids $stayer]]
        # The killed node goes: redis-cli --cluster (next test) would try
        # to connect to every node listed, refused ones included.
        foreach i {0 1 2 3 4} {R $i cluster forget [lindex $ids 5]}
        set ::mig_ids $ids
    }

    test {A master that loses its last slot becomes the new owner's replica} {
        set ids $::mig_ids
        set out [redis_cli --cluster reshard 127.0.0.1:[lindex $::cluster_ports 0] \
                     --cluster-from [lindex $ids 2] --cluster-to [lindex $ids 0] \
                     --cluster-slots 10 --cluster-yes]
        assert_no_match {*ERR*} $out
        cluster_wait_replicas {0 1 2 3 4} [list [lindex $ids 2]] [lindex $ids 0]
        assert_equal slave [lindex [R 2 role] 0]
        set out [cluster_wait_cli_check [lindex $::cluster_ports 0]]
        assert_match {*All 16384 slots covered*} $out
    }
}

if {![file executable $::stock_server]} {
    puts "skipping mixed replica migration: no $::stock_server"
    return
}

# Stock master 0 with replicas 2 (ours) and 3 (stock, given the smaller id),
# our master 1 with stock replica 4. When 4 dies, stock 3 must move to our
# master and sync from it, and ours (2) must agree that it is not its turn.
start_cluster_nodes [list $::stock_server ours ours $::stock_server $::stock_server] {
    test {Mixed replica migration: a stock replica moves to our orphaned master} {
        set id2 [R 2 cluster myid]
        set id3 [cluster_draw_id_below 3 $id2]
        cluster_meet_all 5
        R 0 cluster addslotsrange 0 8191
        R 1 cluster addslotsrange 8192 16383
        cluster_wait_known 5
        set ids [lmap i {0 1 2 3 4} {R $i cluster myid}]
        foreach {r m} {2 0 3 0 4 1} {R $r cluster replicate [lindex $ids $m]}
        cluster_wait_replicas {0 1 2 3 4} [list $id2 $id3] [lindex $ids 0]
        cluster_wait_replicas {0 1 2 3 4} [list [lindex $ids 4]] [lindex $ids 1]
        cluster_wait_ok 5
        set keys [cluster_keys_in 1 8192 16383 20]
        foreach k $keys {R 1 set $k v-$k}

        exec kill -9 [srv [cluster_level 4] pid]
        cluster_forget_client 4
        cluster_wait_replicas {0 1 2 3} [list $id3] [lindex $ids 1]
        assert_equal [lindex $ids 0] [cluster_master_of 2 $id2]
        assert_equal [lindex $ids 0] [cluster_master_of 0 $id2]
        verify_log_message [cluster_level 3] "*Migrating to orphaned master [lindex $ids 1]*" 0
        cluster_wait_synced 3
        R 3 readonly
        foreach k $keys {assert_equal v-$k [R 3 get $k]}
        wait_for_condition 100 100 {[cluster_views_agree 4]} else {
            fail "views differ after the migration"
        }
    }
}

# A client blocked on a key whose slot moves to another node hears MOVED
# (or CLUSTERDOWN when the slot is left unserved), as from stock.
proc blocked_moved_view {} {
    cluster_meet_all 2
    R 0 cluster addslotsrange 0 16383
    cluster_wait_known 2
    cluster_wait_ok 2
    set slot [R 0 cluster keyslot bq]
    set id0 [R 0 cluster myid]
    set id1 [R 1 cluster myid]
    set rd [redis_deferring_client [cluster_level 0]]
    set rd2 [redis_deferring_client [cluster_level 0]]
    $rd blpop bq 0
    $rd2 xread block 0 streams bq $
    wait_for_condition 50 100 {[string match "*blocked_clients:2*" [R 0 info clients]]} else {
        fail "clients not blocked"
    }
    R 1 cluster setslot $slot node $id1
    R 0 cluster setslot $slot node $id1
    set out {}
    foreach c [list $rd $rd2] {
        catch {$c read} e
        lappend out [string map [list [lindex $::cluster_ports 1] P1] $e]
        $c close
    }
    lappend out [string match "*blocked_clients:0*" [R 0 info clients]]
    return $out
}

set ::bm_views {}
foreach ::bm_bins [list [list $::stock_server $::stock_server] {ours ours}] {
    start_cluster_nodes $::bm_bins {
        test "Blocked clients on a slot that moves get MOVED ([file tail [lindex $::bm_bins 0]])" {
            lappend ::bm_views [blocked_moved_view]
            assert_equal 1 [lindex $::bm_views end end]
            assert_match "MOVED * 127.0.0.1:P1" [lindex $::bm_views end 0]
        }
    }
}
test {Blocked clients on a moved slot: ours as stock} {
    assert_equal [lindex $::bm_views 0] [lindex $::bm_views 1]
}
