# The Kubernetes manifests' scripts running a whole cluster in the NAT lab.
#
# Pods are lab namespaces (tests/support/natlab.tcl, Flannel-like SNAT,
# NodePorts as kube-proxy DNAT) run by a minimal kubelet
# (tests/helpers/kubelet.tcl): the entrypoint, probes, preStop hook,
# bootstrap Job and scale script are those of the rendered YAML (`kubectl
# kustomize`), never a copy; so are the env (downward API fieldRefs
# resolved to the lab pod's IP, its node's IP, its name and namespace),
# redis.conf, the volumes (bind-mounted at their mountPaths, so no path is
# substituted), the user (uid 999) and the grace period. Steps, each checking
# that no key written before it is lost (stock redis-cli -c):
#   1. six pods start, the bootstrap Job forms 3 masters + 3 replicas with
#      redis-cli --cluster create, readiness passes; the Job run again exits
#      0 and changes nothing;
#   2. a master pod is deleted (preStop hands its slots to its replica, the
#      cluster stays ok without it) and re-created in a new namespace with a
#      new IP on the same PVC: it rejoins;
#   3. a pod is moved to another k8s node (new subnet): re-announced;
#   4. every pod deleted at once and re-created with new IPs: recovers;
#   5. scale.sh up 8 with two more pods, then scale.sh down 6 and the two
#      pods deleted.
# The nodeport overlay runs steps 1 and 3 with clients entering through
# NodePorts: the moved pod is re-announced with its new node's address.
# cluster-node-timeout is the manifests' 5000 ms (redis.conf in the
# ConfigMap; the manifests have no other knob for it): the steps wait on
# hand-overs and re-resolution, not on failure detection, so it costs little.
source [file join $::tests_root helpers kubelet.tcl]

set ::k8s_keys {}

# Writes n keys tagged `tag` through the entry point host:port.
proc k8s_write {entry tag n} {
    set cmds {}
    for {set k 0} {$k < $n} {incr k} {
        lappend cmds "set $tag:$k $tag-val-$k"
        lappend ::k8s_keys $tag:$k $tag-val-$k
    }
    set replies [kl_client {*}$entry $cmds]
    assert_equal $replies [lrepeat $n OK] "writing $tag"
}

# Every key written so far reads back.
proc k8s_check_keys {entry what} {
    set cmds {}
    set want {}
    foreach {k v} $::k8s_keys {
        lappend cmds "get $k"
        lappend want $v
    }
    set got [kl_client {*}$entry $cmds]
    if {$got ne $want} {
        set lost {}
        foreach {k v} $::k8s_keys g $got {if {$g ne $v} {lappend lost "$k=$g"}}
        fail "$what: [llength $lost] of [llength $want] keys wrong: [lrange $lost 0 9]"
    }
}

# CLUSTER NODES of pod redis-<ord> as {id {flags master slots...}} sorted
# by id: what a no-op must leave unchanged.
proc k8s_topology {ord} {
    set topo {}
    foreach line [split [string trim [kl_cli $ord cluster nodes]] \n] {
        set flags [string map {myself, {}} [lindex $line 2]]
        lappend topo [list [lindex $line 0] $flags [lindex $line 3] {*}[lrange $line 8 end]]
    }
    lsort -index 0 $topo
}

# 1 when every pod of `ords` sees `m` masters serving slots and `r` replicas.
proc k8s_settled {ords m r} {
    foreach ord $ords {
        set topo [k8s_topology $ord]
        set nm 0
        foreach n $topo {if {[lindex $n 1] eq "master" && [llength $n] > 3} {incr nm}}
        if {$nm != $m || [llength [lsearch -all -index 1 $topo slave]] != $r} {return 0}
    }
    return 1
}

proc k8s_role {ord} {lindex [split [kl_cli $ord role] \n] 0}
proc k8s_myid {ord} {string trim [kl_cli $ord cluster myid]}

# The ordinals that are masters serving slots, as pod redis-<ord> sees them.
proc k8s_masters {ords} {
    set m {}
    foreach ord $ords {
        if {[k8s_role $ord] eq "master"} {lappend m $ord}
    }
    return $m
}

# 1 when every pod of `ords` lists node `id` at address `addr` (ip:port),
# connected and not failing.
proc k8s_all_list {ords id addr} {
    foreach ord $ords {
        if {[catch {kl_cli $ord cluster nodes} nodes]} {return 0}
        set ok 0
        foreach line [split $nodes \n] {
            if {[lindex $line 0] ne $id} continue
            set ok [expr {[string match "$addr@*" [lindex $line 1]] && [cluster_nodes_line_healthy $line]}]
        }
        if {!$ok} {return 0}
    }
    return 1
}

proc k8s_wait_listed {ords id addr} {
    wait_for_condition 300 100 {[k8s_all_list $ords $id $addr]} else {
        set out {}
        foreach ord $ords {catch {append out "redis-$ord:\n[kl_cli $ord cluster nodes]\n"}}
        fail "not every pod lists $id at $addr connected:\n$out"
    }
}

proc k8s_ms {t0} {expr {[clock milliseconds] - $t0}}

# Step 1: pods up, the Job forms the cluster, a second run is a no-op.
proc k8s_step_form {entry} {
    set pods {0 1 2 3 4 5}
    set t0 [clock milliseconds]
    foreach ord $pods {kl_start $ord}
    kl_wait_ready $pods
    lassign [kl_job] code out
    assert_equal $code 0 "bootstrap Job: $out"
    assert_match "*cluster formed: 6 nodes, cluster_state:ok*" $out
    kl_wait_ready $pods
    kl_wait_ok $pods
    puts "    pods started to formed and ready: [k8s_ms $t0] ms"
    assert_equal [llength [k8s_masters $pods]] 3
    # Every node's view settles on 3 + 3 (a replica's new role reaches the
    # others by gossip).
    wait_for_condition 100 100 {[k8s_settled $pods 3 3]} else {
        fail "not 3 masters + 3 replicas everywhere:\n[kl_cli 0 cluster nodes]"
    }
    set topo [k8s_topology 0]
    lassign [kl_job] code out
    assert_equal $code 0 "bootstrap Job again: $out"
    assert_match "*already in a cluster*nothing to do*" $out
    assert_equal [k8s_topology 0] $topo
    k8s_write [{*}$entry] s1 100
    k8s_check_keys [{*}$entry] "after forming"
}

# Waits until every running pod is ready and lists pod redis-<ord> at its
# current pod IP (the internal address that gossip uses: CLUSTER NODES
# shows it in the base overlay) and the cluster is ok.
proc k8s_wait_rejoined {ord id addr} {
    set pods [kl_running]
    kl_wait_ready $pods
    # The same node (nodes.conf on the PVC), not a new one.
    assert_equal [k8s_myid $ord] $id
    k8s_wait_listed $pods $id $addr
    kl_wait_ok $pods
}

# Step 2: a master pod deleted and re-created with a new IP, same PVC.
proc k8s_step_delete {entry ord newip addr_proc} {
    set pods [kl_running]
    k8s_write [{*}$entry] s2 100
    assert_equal [k8s_role $ord] master
    set id [k8s_myid $ord]
    set t0 [clock milliseconds]
    set out [dict get [kl_delete $ord] $ord]
    assert_match "*handing the slots of $id to the replica*failover done*" $out
    set rest [lsearch -all -inline -not -exact $pods $ord]
    # The hand-over left no slot without a master: ok at once without it.
    kl_wait_ok $rest 50
    assert_equal [llength [k8s_masters $rest]] 3
    k8s_check_keys [{*}$entry] "with redis-$ord deleted"
    kl_recreate $ord [kl_node $ord] $newip
    k8s_wait_rejoined $ord $id [{*}$addr_proc $ord]
    puts "    master deleted (preStop hand-over) and back with a new IP, rejoined: [k8s_ms $t0] ms"
    # It came back as the replica it had become (its nodes.conf); ROLE
    # follows once the cron has connected it to its master.
    wait_for_condition 50 100 {[k8s_role $ord] eq "slave"} else {
        fail "redis-$ord is not a replica: [kl_cli $ord cluster nodes]"
    }
    k8s_check_keys [{*}$entry] "after redis-$ord came back"
}

# Step 3: a pod rescheduled on the other k8s node (a drain): new pod IP in
# that node's subnet, same PVC; every peer learns the new address.
proc k8s_step_move {entry ord newip addr_proc} {
    k8s_write [{*}$entry] s3 100
    set id [k8s_myid $ord]
    set node [expr {[kl_node $ord] == 1 ? 2 : 1}]
    set t0 [clock milliseconds]
    kl_delete $ord
    kl_recreate $ord $node $newip
    k8s_wait_rejoined $ord $id [{*}$addr_proc $ord]
    puts "    pod moved to k8s node $node with a new IP, rejoined: [k8s_ms $t0] ms"
    k8s_check_keys [{*}$entry] "after redis-$ord moved"
}

# Step 4: every pod deleted at once (a full restart) and re-created with
# new IPs: the cluster reassembles by the pods' DNS names, ids and data kept.
proc k8s_step_restart_all {entry ipbase addr_proc} {
    set pods [kl_running]
    k8s_write [{*}$entry] s4 100
    set ids {}
    foreach ord $pods {dict set ids $ord [k8s_myid $ord]}
    set t0 [clock milliseconds]
    kl_delete $pods
    foreach ord $pods {kl_recreate $ord [kl_node $ord] 10.42.[expr {[kl_node $ord] - 1}].[expr {$ipbase + $ord}]}
    kl_wait_ready $pods
    dict for {ord id} $ids {
        assert_equal [k8s_myid $ord] $id
        k8s_wait_listed $pods $id [{*}$addr_proc $ord]
    }
    kl_wait_ok $pods
    puts "    all pods deleted at once and back with new IPs, healed: [k8s_ms $t0] ms"
    k8s_check_keys [{*}$entry] "after the full restart"
}

# Step 5: the StatefulSet scaled to 8 (two more pods) and scale.sh up 8
# joins them as a master and its replica and rebalances; then scale.sh
# down 6 moves the slots off and forgets them, and the pods are deleted.
proc k8s_step_scale {entry} {
    k8s_write [{*}$entry] s5 100
    set t0 [clock milliseconds]
    foreach ord {6 7} {kl_start $ord}
    kl_wait_ready {6 7}
    lassign [kl_exec 0 {sh /scripts/scale.sh up 8} 300] code out
    assert_equal 0 $code "scale.sh up 8: $out"
    set pods {0 1 2 3 4 5 6 7}
    kl_wait_ready $pods
    kl_wait_ok $pods
    wait_for_condition 100 100 {[k8s_settled $pods 4 4]} else {
        fail "not 4 masters + 4 replicas everywhere:\n[kl_cli 0 cluster nodes]"
    }
    # With 7 a replica, 4 masters with slots means pod 6 got some.
    assert_equal master [k8s_role 6]
    assert_equal slave [k8s_role 7]
    puts "    scaled up to 8 (master + replica joined, rebalanced): [k8s_ms $t0] ms"
    k8s_check_keys [{*}$entry] "after scaling up"
    k8s_write [{*}$entry] s6 100

    set t0 [clock milliseconds]
    lassign [kl_exec 0 {sh /scripts/scale.sh down 6} 300] code out
    assert_equal 0 $code "scale.sh down 6: $out"
    kl_delete {6 7}
    set pods {0 1 2 3 4 5}
    kl_wait_ok $pods
    wait_for_condition 100 100 {[k8s_settled $pods 3 3]} else {
        fail "not 3 masters + 3 replicas everywhere:\n[kl_cli 0 cluster nodes]"
    }
    puts "    scaled down to 6 (slots moved off, nodes forgotten): [k8s_ms $t0] ms"
    k8s_check_keys [{*}$entry] "after scaling down"
}

# Where the test's client enters: a running pod's IP (base overlay).
proc k8s_entry_pod {} {
    set ord [lindex [kl_running] 0]
    list [kl_ip $ord] 6379
}

# The address a pod announces in the base overlay: its pod IP.
proc k8s_addr_pod {ord} {return [kl_ip $ord]:6379}

# nodeport overlay: the NodePort (client port) of pod redis-<ord>.
proc k8s_client_nodeport {ord} {
    foreach np $::kl(nodeports) {
        lassign $np pod target nodeport
        if {$pod eq "redis-$ord" && $target == 6379} {return $nodeport}
    }
    error "no client NodePort for redis-$ord"
}

# nodeport overlay: clients enter through a pod's k8s node and NodePort.
proc k8s_entry_nodeport {} {
    set ord [lindex [kl_running] 0]
    list [kl_host_ip $ord] [k8s_client_nodeport $ord]
}

# nodeport overlay: what a pod announces, its k8s node's address and its
# NodePort (CLUSTER NODES shows the external address).
proc k8s_addr_nodeport {ord} {return [kl_host_ip $ord]:[k8s_client_nodeport $ord]}

tags {natlab k8s} {
    test {k8s in the NAT lab: the manifests' scripts form a cluster, hand over and heal a deleted master, move a pod, recover from a full restart, scale 6 to 8 and back} {
        natlab_needs
        k8s_needs
        set ::k8s_keys {}
        kl_create base 2
        try {
            k8s_step_form k8s_entry_pod
            k8s_step_delete k8s_entry_pod [lindex [k8s_masters [kl_running]] 0] 10.42.0.40 k8s_addr_pod
            k8s_step_move k8s_entry_pod 2 10.42.1.42 k8s_addr_pod
            k8s_step_restart_all k8s_entry_pod 60 k8s_addr_pod
            k8s_step_scale k8s_entry_pod
        } finally {
            kl_destroy
        }
    }
}

tags {natlab k8s} {
    test {k8s in the NAT lab, nodeport overlay: clients through NodePorts; a moved pod is re-announced at its new node's address} {
        natlab_needs
        k8s_needs
        set ::k8s_keys {}
        kl_create overlays/nodeport 2
        try {
            k8s_step_form k8s_entry_nodeport
            foreach ord [kl_running] {
                k8s_wait_listed [kl_running] [k8s_myid $ord] [k8s_addr_nodeport $ord]
            }
            # The move: from k8s node 1 to node 2, or back.
            set ord [lindex [kl_running] 1]
            set ip [expr {[kl_node $ord] == 1 ? "10.42.1.43" : "10.42.0.43"}]
            k8s_step_move k8s_entry_nodeport $ord $ip k8s_addr_nodeport
        } finally {
            kl_destroy
        }
    }
}
