# Helpers for the NAT-aware bus tests (tests/nat/*.tcl): our binary, cluster
# views taken inside the lab (tests/support/natlab.tcl), bounded waits.

set ::stock_binary /usr/bin/redis-server
set ::ours_binary [expr {$::server_binary ne {} ? $::server_binary :
    [file normalize [file join $::tests_root .. src redis-server]]}]
set ::nat_node_timeout 1000

# Cluster options of a lab node (plus extra).
proc nat_cluster_opts {{extra {}}} {
    return [concat [list --cluster-enabled yes --cluster-node-timeout $::nat_node_timeout \
        --cluster-config-file nodes.conf] $extra]
}

proc nat_myid {lab i} {string trim [natlab_cli $lab $i cluster myid]}

# 1 when pod i lists every id of `ids` (other than itself) as connected,
# never in handshake or failing.
proc nat_sees_connected {lab i ids} {
    if {[catch {natlab_cluster_nodes $lab $i} lines]} {return 0}
    foreach id $ids {
        set ok 0
        foreach line $lines {
            if {[lindex $line 0] ne $id} continue
            set ok [cluster_nodes_line_healthy $line]
        }
        if {!$ok} {return 0}
    }
    return 1
}

# Waits (bounded) until every pod of `pods` lists every id as connected;
# returns the time it took in ms.
proc nat_wait_joined {lab pods ids {tries 200}} {
    set t0 [clock milliseconds]
    wait_for_condition $tries 50 {
        [nat_all_see $lab $pods $ids]
    } else {
        set out {}
        foreach i $pods {append out "pod $i:\n[join [natlab_cluster_nodes $lab $i] \n]\n"}
        fail "not every pod lists every node connected:\n$out"
    }
    return [expr {[clock milliseconds] - $t0}]
}

proc nat_all_see {lab pods ids} {
    foreach i $pods {if {![nat_sees_connected $lab $i $ids]} {return 0}}
    return 1
}

proc nat_cluster_info {lab i field} {
    if {[catch {natlab_cli $lab $i cluster info} info]} {return {}}
    if {[regexp "$field:(\[^\r\n\]*)" $info -> v]} {return $v}
    return {}
}

proc nat_wait_state_ok {lab pods {tries 200}} {
    set t0 [clock milliseconds]
    wait_for_condition $tries 50 {
        [nat_all_ok $lab $pods]
    } else {
        fail "cluster_state not ok everywhere"
    }
    return [expr {[clock milliseconds] - $t0}]
}

proc nat_all_ok {lab pods} {
    foreach i $pods {if {[nat_cluster_info $lab $i cluster_state] ne "ok"} {return 0}}
    return 1
}

# Count of lines matching a pattern in a log file.
proc nat_log_count {log pattern} {
    set fd [open $log r]
    set n 0
    while {[gets $fd line] >= 0} {if {[string match $pattern $line]} {incr n}}
    close $fd
    return $n
}

# Established TCP peers (ip:port) of the processes in pod i.
proc nat_tcp_peers {lab i} {
    set out [natlab_sh [natlab_pod_ns $lab $i] ss -Htn state established]
    set peers {}
    foreach line [split $out \n] {
        if {[llength $line] >= 4} {lappend peers [lindex $line end]}
    }
    return $peers
}

proc nat_ids {lab pods} {
    set ids {}
    foreach i $pods {lappend ids [nat_myid $lab $i]}
    return $ids
}

# 1 when no pod has an established connection to a NodePort (the labs use
# 30000-31999) of any k8s node.
proc nat_no_nodeport_links {lab pods} {
    foreach i $pods {
        foreach p [nat_tcp_peers $lab $i] {
            if {[regexp {^172\.18\.0\.\d+:3[01]\d\d\d$} $p]} {return 0}
        }
    }
    return 1
}

# Waits (bounded) until the stock server of pod i logs a refused bus dial
# to the bridge (SNAT) address: it recorded a peer at the masquerade
# address, the field report's failure. `what` names the pod in the error.
proc nat_wait_dials_bridge {lab i what} {
    set log [natlab_server_log $lab $i]
    wait_for_condition 100 50 {
        [regexp "Connection with Node \[0-9a-f\]+ at [natlab_bridge_ip]:16379 failed: Connection refused" [log_tail $log 300]]
    } else {
        fail "$what did not dial the bridge address:\n[log_tail $log]"
    }
}
