# The stock `redis-cli --cluster` subcommands of issue 4's acceptance list
# that the other cluster tests do not drive, on a mixed cluster (3 stock
# 7.0.15 nodes, 3 of ours, then two more of ours): create with replicas,
# info, call, reshard across implementations, add-node as a master and as
# a replica, rebalance onto the empty master, CLUSTER FAILOVER FORCE and
# TAKEOVER, fix (uncovered slot, open slot), del-node; and `make cluster` /
# `make cluster-stop`. Every key written is read back after each step.
source [file join $::tests_root helpers cluster.tcl]

set ::tools_keys 300

# redis-cli -c through node i with one command per line on its stdin.
proc tools_cli_c {i cmds} {
    exec redis-cli -c -p [lindex $::cluster_ports $i] << [join $cmds \n]
}

# Every key tk:0.. reads back through node i.
proc tools_check_keys {i what} {
    set gets {}
    set want {}
    for {set k 0} {$k < $::tools_keys} {incr k} {
        lappend gets "get tk:$k"
        lappend want v$k
    }
    set got {}
    foreach line [split [string trim [tools_cli_c $i $gets]] \n] {
        if {![string match "*Redirected to slot*" $line]} {lappend got $line}
    }
    if {$got ne $want} {
        fail "keys after $what: [llength $got] replies, first differences: [lrange [lmap g $got w $want {if {$g ne $w} {set _ "$w:$g"} else continue}] 0 5]"
    }
}

# redis-cli --cluster fix, answering its prompts (7.0's fix asks whatever
# --cluster-yes says).
proc tools_fix {port} {
    exec redis-cli --cluster fix 127.0.0.1:$port << "yes\nyes\nyes\n" 2>@1
}

# Node ids by index.
proc tools_id {i} {R $i cluster myid}

# Number of slots node i serves in its own view.
proc tools_slot_count {i} {
    set n 0
    set id [tools_id $i]
    foreach r [R $i cluster slots] {
        if {[lindex $r 2 2] eq $id} {incr n [expr {[lindex $r 1] - [lindex $r 0] + 1}]}
    }
    return $n
}

# Indexes (of `nodes`) that ROLE says are masters.
proc tools_masters {nodes} {
    lmap i $nodes {if {[cluster_role $i] eq "master"} {set i} else continue}
}

# The first slot served by node i that holds no key.
proc tools_empty_slot_of {i} {
    set id [tools_id $i]
    foreach r [R $i cluster slots] {
        if {[lindex $r 2 2] ne $id} continue
        for {set s [lindex $r 0]} {$s <= [lindex $r 1]} {incr s} {
            if {[R $i cluster countkeysinslot $s] == 0} {return $s}
        }
    }
    error "node $i has no empty slot"
}

# DBSIZE summed over every node, as `redis-cli --cluster call` reports it.
proc tools_dbsize_sum {port} {
    set call [redis_cli --cluster call 127.0.0.1:$port DBSIZE]
    set sum 0
    foreach {- n} [regexp -all -inline {:\d+: (\d+)} $call] {incr sum $n}
    return $sum
}

# Every node of `nodes` knows exactly `n` nodes, none failing.
proc tools_known_everywhere {nodes n} {
    foreach i $nodes {
        set lines [split [string trim [R $i cluster nodes]] \n]
        if {[llength $lines] != $n} {return 0}
        foreach l $lines {if {![cluster_nodes_line_healthy $l]} {return 0}}
    }
    return 1
}

start_cluster_nodes [list ours $::stock_server ours $::stock_server ours $::stock_server ours ours] {
    set all {0 1 2 3 4 5}
    set p0 [lindex $::cluster_ports 0]

    test {redis-cli --cluster create 3+3 mixed, then info and call} {
        set addrs [lmap i $all {set _ 127.0.0.1:[lindex $::cluster_ports $i]}]
        set out [redis_cli --cluster create {*}$addrs --cluster-replicas 1 --cluster-yes]
        assert_match {*All 16384 slots covered*} $out
        cluster_wait_ok 6
        wait_for_condition 200 50 {[llength [tools_masters $all]] == 3 && [tools_known_everywhere $all 6]} else {
            fail "not 3 masters known by all"
        }
        foreach i $all {if {[cluster_role $i] eq "slave"} {cluster_wait_synced $i}}
        set cmds {}
        for {set k 0} {$k < $::tools_keys} {incr k} {lappend cmds "set tk:$k v$k"}
        tools_cli_c 0 $cmds
        set info [cluster_wait_cli_check $p0]
        set info [redis_cli --cluster info 127.0.0.1:$p0]
        assert {[string first "\[OK\] $::tools_keys keys in 3 masters." $info] >= 0}
        assert_equal 3 [regexp -all {keys \| \d+ slots \| 1 slaves\.} $info]
        set call [redis_cli --cluster call 127.0.0.1:$p0 CLUSTER COUNTKEYSINSLOT 0]
        foreach i $all {
            assert_match "*127.0.0.1:[lindex $::cluster_ports $i]: *" $call
        }
        # Masters and replicas each hold every key once, once the replicas
        # caught up (asynchronous: a slow build lags behind the writes).
        wait_for_condition 100 100 {[tools_dbsize_sum $p0] == 2 * $::tools_keys} else {
            fail "DBSIZE over every node: [tools_dbsize_sum $p0], not [expr {2 * $::tools_keys}]"
        }
    }

    test {redis-cli --cluster reshard across: ours to stock and stock to ours} {
        set masters [tools_masters $all]
        foreach src $masters {if {$src % 2 == 0} break}
        foreach dst $masters {if {$dst % 2 == 1} break}
        foreach {from to} [list $src $dst $dst $src] {
            cluster_wait_cli_check $p0
            set out [redis_cli --cluster reshard 127.0.0.1:$p0 --cluster-from [tools_id $from] \
                         --cluster-to [tools_id $to] --cluster-slots 700 --cluster-yes]
            assert_match "*Moving slot*" $out
            assert_no_match {*\[ERR\]*} $out
            tools_check_keys 1 "reshard $from -> $to"
        }
        set check [cluster_wait_cli_check $p0]
        assert_match {*All 16384 slots covered*} $check
    }

    test {redis-cli --cluster add-node: a master, then its replica} {
        set out [redis_cli --cluster add-node 127.0.0.1:[lindex $::cluster_ports 6] 127.0.0.1:$p0]
        assert_match "*New node added correctly*" $out
        wait_for_condition 200 50 {[tools_known_everywhere {0 1 2 3 4 5 6} 7]} else {
            fail "the new master is not known everywhere"
        }
        cluster_wait_cli_check $p0
        set out [redis_cli --cluster add-node 127.0.0.1:[lindex $::cluster_ports 7] 127.0.0.1:$p0 \
                     --cluster-slave --cluster-master-id [tools_id 6]]
        assert_match "*New node added correctly*" $out
        cluster_wait_replicas {0 1 2 3 4 5 6 7} [list [tools_id 7]] [tools_id 6]
        cluster_wait_synced 7
        wait_for_condition 200 50 {[tools_known_everywhere {0 1 2 3 4 5 6 7} 8]} else {
            fail "the new replica is not known everywhere"
        }
    }

    test {redis-cli --cluster rebalance --cluster-use-empty-masters} {
        cluster_wait_cli_check $p0
        set out [redis_cli --cluster rebalance 127.0.0.1:$p0 --cluster-use-empty-masters]
        assert_match "*Moving*slots from*" $out
        # Four masters: about 4096 slots each.
        wait_for_condition 100 50 {[tools_slot_count 6] >= 4000} else {
            fail "node 6 got [tools_slot_count 6] slots"
        }
        set check [cluster_wait_cli_check $p0]
        assert_match {*All 16384 slots covered*} $check
        tools_check_keys 3 rebalance
    }

    test {CLUSTER FAILOVER FORCE, then TAKEOVER back} {
        set nodes {0 1 2 3 4 5 6 7}
        # FORCE: the replica does not wait for its master's offset, but
        # still asks the masters (stock ones too) for votes.
        assert_equal OK [R 7 cluster failover force]
        wait_for_condition 200 50 {[cluster_role 7] eq "master" && [cluster_role 6] eq "slave"} else {
            fail "FORCE: roles are [cluster_role 7] / [cluster_role 6]"
        }
        cluster_wait_replicas $nodes [list [tools_id 6]] [tools_id 7]
        cluster_wait_synced 6
        # TAKEOVER: no vote at all, the replica bumps the epoch itself.
        set log [srv [cluster_level 6] stdout]
        assert_equal OK [R 6 cluster failover takeover]
        wait_for_condition 200 50 {[cluster_role 6] eq "master" && [cluster_role 7] eq "slave"} else {
            fail "TAKEOVER: roles are [cluster_role 6] / [cluster_role 7]"
        }
        cluster_wait_replicas $nodes [list [tools_id 7]] [tools_id 6]
        cluster_wait_ok 8
        cluster_wait_synced 7
        assert_match "*Taking over the master (user request)*" [exec cat $log]
        assert_match "*New configEpoch set to*" [exec cat $log]
        tools_check_keys 5 "FORCE and TAKEOVER"
    }

    test {redis-cli --cluster fix: an uncovered slot and an open slot} {
        cluster_wait_cli_check $p0
        # An uncovered slot: its owner (ours) drops it, with no key in it.
        set s [tools_empty_slot_of 0]
        R 0 cluster delslots $s
        catch {redis_cli --cluster check 127.0.0.1:$p0} out
        assert_match "*Not all 16384 slots are covered*" $out
        set out [tools_fix $p0]
        assert_match "*Covering slot $s *" $out
        set check [cluster_wait_cli_check $p0]
        assert_match {*All 16384 slots covered*} $check
        # An open slot: a stock master left importing a slot of node 2.
        set s [tools_empty_slot_of 2]
        set imp [lindex [lsearch -all -inline -not -exact [tools_masters {0 1 2 3 4 5 6 7}] 2] 0]
        R $imp cluster setslot $s importing [tools_id 2]
        catch {redis_cli --cluster check 127.0.0.1:$p0} out
        assert_match "*has slots in importing state $s*" $out
        set out [tools_fix $p0]
        assert_match "*Fixing open slot $s*" $out
        set check [cluster_wait_cli_check $p0]
        assert_no_match "*importing state*" $check
        tools_check_keys 1 fix
    }

    test {redis-cli --cluster del-node: the replica, then the emptied master} {
        set nodes {0 1 2 3 4 5 6 7}
        set m [lindex [tools_masters {6 7}] 0]
        set r [expr {$m == 6 ? 7 : 6}]
        set to [lindex [tools_masters $all] 0]
        cluster_wait_cli_check $p0
        redis_cli --cluster reshard 127.0.0.1:$p0 --cluster-from [tools_id $m] \
            --cluster-to [tools_id $to] --cluster-slots [tools_slot_count $m] --cluster-yes
        wait_for_condition 100 50 {[tools_slot_count $m] == 0} else {
            fail "node $m still has [tools_slot_count $m] slots"
        }
        cluster_wait_cli_check $p0
        foreach gone [list $r $m] {
            set out [redis_cli --cluster del-node 127.0.0.1:$p0 [tools_id $gone]]
            # 7.0's del-node resets the node (SOFT) rather than stopping it.
            assert_match "*Sending CLUSTER RESET SOFT to the deleted node*" $out
            assert_match "*cluster_known_nodes:1\r\n*" [R $gone cluster info]
            assert_equal master [cluster_role $gone]
        }
        # Only the six are left, each forgot the two (the forget blacklist
        # keeps gossip from bringing them back).
        wait_for_condition 200 50 {[tools_known_everywhere $all 6]} else {
            fail "del-node left: [R 0 cluster nodes]"
        }
        cluster_wait_ok 6
        set check [cluster_wait_cli_check $p0]
        assert_match {*All 16384 slots covered*} $check
        tools_check_keys 0 del-node
    }
}

# The sorted roles (flags without myself) in CLUSTER NODES of the node at port.
proc tools_roles {port} {
    lsort [lmap l [split [string trim [exec redis-cli -p $port cluster nodes]] \n] {
        string map {myself, {}} [lindex $l 2]
    }]
}

# Six consecutive ports (and their bus ports) free in this worker's range.
proc tools_free_run {n} {
    for {set tries 0} {$tries < $::port_count} {incr tries} {
        set base [find_available_port]
        set ok 1
        for {set j 0} {$j < $n} {incr j} {
            set p [expr {$base + $j}]
            if {$p >= $::base_port + $::port_count || ![port_is_free $p] || ![port_is_free [expr {$p + 10000}]]} {
                set ok 0
                break
            }
        }
        if {$ok} {return $base}
    }
    error "no run of $n free ports"
}

test {make cluster starts a 3+3 cluster with the stock redis-cli; make cluster-stop stops it} {
    set top [file normalize [file join $::tests_root ..]]
    set dir [file join $top tests tmp make-cluster.[pid]]
    set base [tools_free_run 6]
    set envp [list env PORT=$base CLUSTER_DIR=$dir]
    try {
        set out [exec {*}$envp make -s -C $top cluster 2>@1]
        assert_match "*6 nodes on ports $base..[expr {$base + 5}] (1 replica per master)*" $out
        assert_match "*redis-cli -c -p $base*" $out
        assert_match "*cluster_state:ok*" [exec redis-cli -p $base cluster info]
        # The replicas' roles reach the first node with the next pings.
        wait_for_condition 100 50 {[tools_roles $base] eq {master master master slave slave slave}} else {
            fail "roles: [tools_roles $base]"
        }
        assert_equal OK [exec redis-cli -c -p $base set mc:1 v]
        assert_equal v [exec redis-cli -c -p [expr {$base + 1}] get mc:1]
    } finally {
        set out [exec {*}$envp make -s -C $top cluster-stop 2>@1]
        file delete -force $dir
    }
    assert_equal 6 [regexp -all {stopped the server on port} $out] $out
    wait_for_condition 100 50 {[catch {exec redis-cli -p $base ping}]} else {
        fail "a make cluster node still answers"
    }
}
