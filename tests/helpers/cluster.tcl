# Cluster test helpers: start N cluster nodes (ours, stock, or a mix),
# join them, and wait on cluster-wide conditions with bounded time.
#
#   start_cluster_nodes {binaries} {code}
#       one nested start_server per entry of binaries ("ours" or a path),
#       each with cluster-enabled and a short cluster-node-timeout; inside
#       code, node i is at level -(N-1-i) (use [cluster_level i]).
#   cluster_meet_all n        MEET every node with node 0
#   cluster_assign_slots n    split the 16384 slots evenly, in node order
#   cluster_wait_ok n         all nodes report cluster_state:ok
#   cluster_wait_known n      every node knows every other (no handshake)
#   cluster_view i            node i's CLUSTER NODES, normalized for comparison
#   cluster_wait_replicas nodes ids master   all nodes see ids under master
#   cluster_wait_synced i     node i's replication link is up
#   cluster_keys_in i lo hi n n key names whose slots are in lo..hi
#   cluster_role i            master/slave (ROLE)
#   cluster_wait_cli_check p  redis-cli --cluster check output once it passes
#   cluster_replica_of i      index of a replica of master i (-1: none)

set ::cluster_node_timeout 1500
set ::stock_server /usr/bin/redis-server

proc start_cluster_nodes {binaries code {extra {}}} {
    set ::cluster_n [llength $binaries]
    set opts {}
    _start_cluster_nodes $binaries $extra $code
}

proc _start_cluster_nodes {binaries extra code} {
    if {[llength $binaries] == 0} {
        set ::cluster_ports {}
        for {set i 0} {$i < $::cluster_n} {incr i} {
            lappend ::cluster_ports [srv [cluster_level $i] port]
        }
        return [uplevel 2 $code]
    }
    set bin [lindex $binaries 0]
    set options [list tags {cluster} overrides [concat [list cluster-enabled yes \
        cluster-node-timeout $::cluster_node_timeout] $extra]]
    if {$bin ne "ours"} {lappend options binary $bin}
    start_server $options [list _start_cluster_nodes [lrange $binaries 1 end] $extra $code]
}

# Level of node i (0-based, in start order) for r/srv.
proc cluster_level {i} {
    return [expr {$i - ($::cluster_n - 1)}]
}

# Command to node i, by its port (so nodes replaced later by a server
# started elsewhere stay addressable as i: set ::cluster_ports).
proc R {i args} {
    set port [lindex $::cluster_ports $i]
    if {![info exists ::cluster_clients($port)]} {
        set ::cluster_clients($port) [redis 127.0.0.1 $port]
    }
    set c $::cluster_clients($port)
    if {[catch {$c {*}$args} res opts]} {
        if {![string match "*closed*" $res] && ![string match "*connection*" $res] &&
            ![string match "*broken pipe*" $res]} {
            return -options $opts $res
        }
        catch {$c close}
        unset ::cluster_clients($port)
        return -options $opts $res
    }
    return $res
}

proc cluster_forget_client {i} {
    set port [lindex $::cluster_ports $i]
    if {[info exists ::cluster_clients($port)]} {
        catch {$::cluster_clients($port) close}
        unset ::cluster_clients($port)
    }
}

proc cluster_meet_all {n} {
    for {set i 1} {$i < $n} {incr i} {
        R $i cluster meet 127.0.0.1 [lindex $::cluster_ports 0]
    }
}

proc cluster_assign_slots {n} {
    set per [expr {16384 / $n}]
    for {set i 0} {$i < $n} {incr i} {
        set start [expr {$i * $per}]
        set end [expr {$i == $n - 1 ? 16383 : $start + $per - 1}]
        R $i cluster addslotsrange $start $end
    }
}

proc cluster_state_ok {n} {
    set nodes {}
    for {set i 0} {$i < $n} {incr i} {lappend nodes $i}
    return [cluster_state_ok_on $nodes]
}

# The nodes listed (indexes) all report cluster_state:ok.
proc cluster_state_ok_on {nodes} {
    foreach i $nodes {
        if {![string match "*cluster_state:ok*" [R $i cluster info]]} {return 0}
    }
    return 1
}

proc cluster_wait_ok {n} {
    wait_for_condition 150 100 {[cluster_state_ok $n]} else {
        fail "cluster did not reach state ok"
    }
}

proc cluster_all_known {n} {
    for {set i 0} {$i < $n} {incr i} {
        set nodes [R $i cluster nodes]
        if {[llength [split [string trim $nodes] \n]] != $n} {return 0}
        if {[string match "*handshake*" $nodes] || [string match "*noaddr*" $nodes]} {return 0}
        if {[string match "*disconnected*" $nodes]} {return 0}
    }
    return 1
}

proc cluster_wait_known {n} {
    wait_for_condition 150 100 {[cluster_all_known $n]} else {
        fail "nodes did not all learn each other"
    }
}

# CLUSTER NODES of node i without what legitimately differs between
# observers (myself flag, ping/pong times, link state), sorted.
proc cluster_view {i} {
    set out {}
    foreach line [split [string trim [R $i cluster nodes]] \n] {
        set f [split $line " "]
        set flags [join [lsearch -all -inline -not [split [lindex $f 2] ,] myself] ,]
        lappend out [concat [lrange $f 0 1] [list $flags] [lindex $f 3] [lindex $f 6] [lrange $f 8 end]]
    }
    return [lsort $out]
}

proc cluster_views_agree {n} {
    set v0 [cluster_view 0]
    for {set i 1} {$i < $n} {incr i} {
        if {[cluster_view $i] ne $v0} {return 0}
    }
    return 1
}

# Flags node i shows for the node with id.
proc cluster_flags_of {i id} {
    foreach line [split [string trim [R $i cluster nodes]] \n] {
        set f [split $line " "]
        if {[lindex $f 0] eq $id} {return [lindex $f 2]}
    }
    return {}
}

# redis-cli from the stock package: --cluster create/check are the real
# client tooling a drop-in must satisfy.
proc redis_cli {args} {
    exec redis-cli {*}$args 2>@1
}

# The master id node i records for the node with id (- for a master).
proc cluster_master_of {i id} {
    foreach line [split [string trim [R $i cluster nodes]] \n] {
        set f [split $line " "]
        if {[lindex $f 0] eq $id} {return [lindex $f 3]}
    }
    return {}
}

# Every live node in `nodes` records master_id for each id in `replicas`.
proc cluster_all_see_master {nodes replicas master_id} {
    foreach i $nodes {
        foreach r $replicas {
            if {[cluster_master_of $i $r] ne $master_id} {return 0}
        }
    }
    return 1
}

proc cluster_wait_replicas {nodes replicas master_id} {
    wait_for_condition 200 50 {[cluster_all_see_master $nodes $replicas $master_id]} else {
        fail "not every node sees [join $replicas ,] under $master_id"
    }
}

proc cluster_wait_synced {i} {
    wait_for_condition 200 50 {[string match "*master_link_status:up*" [R $i info replication]]} else {
        fail "node $i did not sync with its master"
    }
}

# n keys whose slots are in lo..hi (a node's range from cluster_assign_slots).
proc cluster_keys_in {i lo hi n} {
    set out {}
    for {set k 0} {[llength $out] < $n} {incr k} {
        set slot [R $i cluster keyslot key:$k]
        if {$slot >= $lo && $slot <= $hi} {lappend out key:$k}
    }
    return $out
}

proc cluster_role {i} {lindex [R $i role] 0}

# The node index whose port is `port`.
proc cluster_index_of_port {port} {lsearch -exact $::cluster_ports $port}

# Index of the replica of master i, from node i's CLUSTER NODES.
proc cluster_replica_of {i} {
    set id [R $i cluster myid]
    foreach line [split [string trim [R $i cluster nodes]] \n] {
        if {[lindex $line 3] eq $id} {
            regexp {:(\d+)@} [lindex $line 1] -> port
            return [cluster_index_of_port $port]
        }
    }
    return -1
}

# `redis-cli --cluster check` through node port (opts: more redis-cli
# options, e.g. --tls ...), once it passes: right after slots moved, the
# last SETSLOTs reach the other nodes with their next pings and check
# reports that they disagree. Returns its output.
proc cluster_wait_cli_check {port args} {
    wait_for_condition 100 100 {![catch {redis_cli {*}$args --cluster check 127.0.0.1:$port} out]} else {
        fail "redis-cli --cluster check never passed: $out"
    }
    return $out
}
