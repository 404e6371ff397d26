# UPDATE messages and NOADDR nodes, directly and against stock 7.0.15.
#
# UPDATE: master 0 is killed, its replica 3 takes its slots over with a
# newer epoch (TAKEOVER), then 3 is frozen (SIGSTOP, bounded) and 0 comes
# back from its nodes.conf still claiming the slots. 0 hears nothing from
# 3 itself (a paused node would read 3's buffered pings first, so the
# stale master here is a restarted one), and gossip carries no slots:
# only the other masters' UPDATE about 3 can make it give the slots up
# and follow 3. Run with all ours, a stock stale master among ours, and
# ours among stock senders.
#
# NOADDR: a nodes.conf with address-less nodes, loaded by ours and stock,
# shows the same CLUSTER NODES/SLOTS/SHARDS/REPLICAS; and a node whose
# address answers with another id (CLUSTER RESET HARD) turns noaddr with
# the same line on our and on a stock observer.
source [file join $::tests_root helpers cluster.tcl]

if {![file executable $::stock_server]} {
    puts "skipping UPDATE/NOADDR tests: no $::stock_server"
    return
}

set ::update_timeout 5000

proc update_stat {i name} {
    if {[regexp "cluster_stats_messages_${name}:(\\d+)" [R $i cluster info] -> v]} {return $v}
    return 0
}

# Node i's own line (myself) from CLUSTER NODES.
proc update_my_line {i} {
    lsearch -inline [split [string trim [R $i cluster nodes]] \n] "* myself,*"
}

proc update_scenario {} {
    cluster_meet_all 4
    cluster_assign_slots 3
    cluster_wait_known 4
    set ids {}
    for {set i 0} {$i < 4} {incr i} {lappend ids [R $i cluster myid]}
    lassign $ids id0 id1 id2 id3
    R 3 cluster replicate $id0
    cluster_wait_replicas {0 1 2 3} [list $id3] $id0
    cluster_wait_ok 4

    # The old master goes; its replica takes the slots with a new epoch.
    exec kill -9 [srv [cluster_level 0] pid]
    cluster_forget_client 0
    assert_equal OK [R 3 cluster failover takeover]
    wait_for_condition 200 50 {
        [lindex [lindex [R 1 cluster slots] 0] 2 2] eq $id3 &&
        [lindex [lindex [R 2 cluster slots] 0] 2 2] eq $id3
    } else {
        fail "takeover not seen: [R 1 cluster nodes]"
    }
    set sent_before [expr {[update_stat 1 update_sent] + [update_stat 2 update_sent]}]

    # 3 frozen, 0 back with its old claim: only UPDATE can correct it.
    set pid3 [srv [cluster_level 3] pid]
    exec kill -STOP $pid3
    if {[catch {
        restart_server [cluster_level 0]
        wait_for_condition 100 50 {
            [string match "myself,slave" [lindex [update_my_line 0] 2]] &&
            [lindex [update_my_line 0] 3] eq $id3
        } else {
            fail "stale master did not follow: [R 0 cluster nodes]"
        }
        set received [update_stat 0 update_received]
        set nodes0 [R 0 cluster nodes]
    } err opts]} {
        exec kill -CONT $pid3
        return -options $opts $err
    }
    exec kill -CONT $pid3

    assert_morethan $received 0
    assert_morethan [expr {[update_stat 1 update_sent] + [update_stat 2 update_sent]}] $sent_before
    verify_log_message [cluster_level 0] "*Configuration change detected. Reconfiguring myself as a replica of $id3*" 0
    # 0 serves nothing and sees 3 with the slots 0 had.
    assert_equal 0 [R 0 cluster countkeysinslot 0]
    assert_equal master [lindex [lsearch -inline [split $nodes0 \n] "$id3 *"] 2]
    assert_equal $id3 [lindex [lindex [R 0 cluster slots] 0] 2 2]
    cluster_wait_ok 4
    wait_for_condition 100 100 {[cluster_views_agree 4]} else {
        fail "views differ after the UPDATE"
    }
}

foreach {label binaries} [list \
    "ours" [list ours ours ours ours] \
    "a stock stale master, our senders" [list $::stock_server ours ours ours] \
    "our stale master, stock senders" [list ours $::stock_server $::stock_server $::stock_server]] {
    set ::update_label $label
    start_cluster_nodes $binaries {
        test "UPDATE turns a stale master into a replica of the new owner ($::update_label)" {
            update_scenario
        }
    } [list cluster-node-timeout $::update_timeout]
}

# ---- NOADDR from nodes.conf ----

set ::na_me aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
set ::na_b bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
set ::na_c cccccccccccccccccccccccccccccccccccccccc

proc na_write_conf {dir} {
    file mkdir $dir
    set fd [open [file join $dir nodes.conf] w]
    puts $fd "$::na_me 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-100"
    puts $fd "$::na_b :0@0 master,noaddr - 1700000000000 1700000000000 2 disconnected 101-200"
    puts $fd "$::na_c :30009@40009 slave,noaddr $::na_b 0 0 2 disconnected"
    puts $fd "vars currentEpoch 2 lastVoteEpoch 0"
    close $fd
}

# What a node shows of the address-less nodes: CLUSTER NODES lines with
# the ping/pong times blanked, SLOTS, REPLICAS, the shards sorted.
proc na_views {} {
    set lines {}
    foreach line [split [string trim [r cluster nodes]] \n] {
        if {[string match "* myself,*" $line]} continue
        lappend lines [lreplace [split $line " "] 4 5 T T]
    }
    set slots [lsearch -all -inline -not [r cluster slots] "0 100 *"]
    set shards {}
    foreach s [r cluster shards] {
        if {[string match "*$::na_me*" $s]} continue
        lappend shards $s
    }
    list [lsort $lines] $slots [r cluster replicas $::na_b] $shards \
        [lsearch -inline -all [split [r cluster info] "\r\n"] "cluster_s*"]
}

set ::na_seen {}
foreach bin [list ours $::stock_server] {
    set dir [file normalize [file join $::tests_root tmp "noaddr.[pid].[llength $::na_seen]"]]
    na_write_conf $dir
    set options [list tags {cluster} overrides [list cluster-enabled yes dir $dir cluster-node-timeout 100000]]
    if {$bin ne "ours"} {lappend options binary $bin}
    start_server $options {
        lappend ::na_seen [na_views]
        r cluster saveconfig
        set fd [open [file join $dir nodes.conf] r]
        set saved [read $fd]
        close $fd
        lappend ::na_saved [lsort [lmap l [split [string trim $saved] \n] {
            if {![string match "$::na_b *" $l] && ![string match "$::na_c *" $l]} continue
            lreplace [split $l " "] 4 5 T T
        }]]
    }
    catch {file delete -force $dir}
}

test {NOADDR nodes from nodes.conf: NODES/SLOTS/REPLICAS/SHARDS/INFO as stock shows them} {
    lassign $::na_seen ours stock
    assert_equal [lindex $stock 0] [lindex $ours 0]
    assert_match "*$::na_b :0@0 master,noaddr - T T 2 disconnected 101-200*" [lindex $ours 0]
    assert_match "*$::na_c :30009@40009 slave,noaddr $::na_b T T 2 disconnected*" [lindex $ours 0]
    for {set j 1} {$j < 5} {incr j} {assert_equal [lindex $stock $j] [lindex $ours $j]}
}

test {NOADDR nodes are saved back as stock saves them} {
    lassign $::na_saved ours stock
    assert_equal $stock $ours
    assert_equal 2 [llength $ours]
}

# ---- NOADDR learnt at run time ----

start_cluster_nodes [list ours $::stock_server ours] {
    test {A node whose address answers with another id turns noaddr, as on a stock observer} {
        cluster_meet_all 3
        cluster_assign_slots 3
        cluster_wait_known 3
        cluster_wait_ok 3
        # Epoch collisions settle first: the line compared below holds the
        # node's config epoch, which must be final on both observers.
        wait_for_condition 100 100 {
            [cluster_views_agree 3] &&
            [llength [lsort -unique [lmap l [cluster_view 0] {lindex $l 4}]]] == 3
        } else {
            fail "config epochs never settled: [R 0 cluster nodes]"
        }
        set old [R 2 cluster myid]
        R 2 cluster reset hard
        assert_not_equal $old [R 2 cluster myid]
        wait_for_condition 100 100 {
            [string match "*noaddr*" [cluster_flags_of 0 $old]] &&
            [string match "*noaddr*" [cluster_flags_of 1 $old]]
        } else {
            fail "old id not noaddr: [cluster_flags_of 0 $old] / [cluster_flags_of 1 $old]"
        }
        set lines {}
        foreach i {0 1} {
            set l [lsearch -inline [split [string trim [R $i cluster nodes]] \n] "$old *"]
            lappend lines [lreplace [split $l " "] 4 5 T T]
        }
        puts "    noaddr line (ours / stock): [lindex $lines 0] / [lindex $lines 1]"
        assert_equal [lindex $lines 1] [lindex $lines 0]
        assert_match "$old :0@0 master,noaddr - T T * disconnected *" [join [lindex $lines 0] " "]
        # Neither gossips the address-less node nor re-learns it.
        assert_equal 3 [llength [split [string trim [R 0 cluster nodes]] \n]]
        assert_equal [cluster_flags_of 1 $old] [cluster_flags_of 0 $old]
    }
}
