# The NAT lab: a Kubernetes node's pod network rebuilt from network
# namespaces, so that tests can watch what the cluster bus does behind the
# address translation that breaks stock Redis Cluster (see
# ../shared/seeds/000_*.txt for the field report this reproduces).
#
# Topology of one lab (all names start with "nl<pid>x<n>", so that concurrent
# test runs never collide and a dead run's leftovers can be recognised):
#
#     nl<pid>x<n>-node         the "Kubernetes node": bridge cni0 10.42.0.1/24,
#                           host address 172.18.0.2 (where NodePorts live),
#                           br_netfilter on, IP forwarding on
#     nl<pid>x<n>-p<i>        pod i: eth0 10.42.0.<10+i>/24 on the bridge,
#                           default route via 10.42.0.1
#
# With more than one k8s node (natlab_create's `nodes`), node k is
# nl<pid>x<n>-node<k> (node 1 keeps the name above) with bridge
# 10.42.<k-1>.1/24 and host address 172.18.0.<k+1>/24 on a veth to a
# "k8s network" bridge in nl<pid>x<n>-net; each node routes the other
# nodes' pod subnets via their host addresses (Flannel host-gw style). Pods
# start on node 1; natlab_move_pod reschedules one on another node, with a
# new pod IP in that node's subnet and its NodePorts on that node's address.
#
# Modes (what the CNI does to pod traffic):
#   snat   every pod-to-pod connection, direct or through a NodePort, is
#          masqueraded to the bridge address 10.42.0.1, as k3d's Flannel
#          does: the receiver sees the peer as 10.42.0.1:<random port>.
#          Across k8s nodes it leaves the sender's node masqueraded to that
#          node's host address (as Calico's vxlan NodePorts in the report).
#   none   plain bridged pod network, no translation (the control case).
#
# NodePorts (natlab_nodeport) DNAT 172.18.0.2:<port> to a pod's port, as
# kube-proxy does; in snat mode the translated traffic is masqueraded too.
#
# The labs only ever touch namespaces they created; nothing is routed to
# or from the test host's own namespace. Servers are started inside a pod
# with `ip netns exec`, and talked to with the stock redis-cli run in a pod
# namespace (natlab_cli), so every byte crosses the translated network.

set ::natlab_seq 0
set ::natlab_labs {}

proc natlab_available {} {
    if {[catch {exec id -u} uid] || $uid != 0} {return 0}
    if {[auto_execok ip] eq {} || [auto_execok iptables] eq {}} {return 0}
    return 1
}

# Skips the calling test unless the lab can be built here.
proc natlab_needs {} {
    if {![natlab_available]} {skip "needs root, ip and iptables for the NAT lab"}
}

# Deletes namespaces left behind by test runs that died.
proc natlab_reap_stale {} {
    if {[catch {exec ip netns list} out]} return
    foreach line [split $out \n] {
        set ns [lindex $line 0]
        if {![regexp {^nl(\d+)x\d+-} $ns -> pid]} continue
        if {$pid == [pid] || [file exists /proc/$pid]} continue
        catch {exec ip netns del $ns}
    }
}

proc natlab_ns {lab what} {return "[dict get $lab name]-$what"}
proc natlab_node_ns {lab k} {return [natlab_ns $lab [expr {$k == 1 ? "node" : "node$k"}]]}
proc natlab_pod_ns {lab i} {return [natlab_ns $lab p$i]}
proc natlab_pod_ip {lab i} {
    if {[dict exists $lab ips $i]} {return [dict get $lab ips $i]}
    return "10.42.0.[expr {10 + $i}]"
}
# The k8s node pod i runs on.
proc natlab_pod_node {lab i} {
    if {[dict exists $lab pod_node $i]} {return [dict get $lab pod_node $i]}
    return 1
}
proc natlab_bridge_ip {{k 1}} {return 10.42.[expr {$k - 1}].1}
proc natlab_host_ip {{k 1}} {return 172.18.0.[expr {$k + 1}]}

proc natlab_sh {ns args} {
    exec ip netns exec $ns {*}$args
}

# Builds a lab with pods 1..npods (all on k8s node 1) and `nodes` k8s
# nodes. Returns the lab handle (a dict).
proc natlab_create {npods {mode snat} {nodes 1}} {
    natlab_reap_stale
    set name "nl[pid]x[incr ::natlab_seq]"
    set lab [dict create name $name npods $npods mode $mode servers {} nodes $nodes \
        nodeports {} dir [file join $::tests_root tmp $name]]
    file mkdir [dict get $lab dir]
    lappend ::natlab_labs $name
    if {[catch {natlab_build $lab} err opts]} {
        natlab_destroy $lab
        return -options $opts $err
    }
    return $lab
}

proc natlab_build {lab} {
    set nodes [dict get $lab nodes]
    if {$nodes > 1} {
        set net [natlab_ns $lab net]
        exec ip netns add $net
        exec ip -n $net link add k8s type bridge
        exec ip -n $net link set k8s up
    }
    for {set k 1} {$k <= $nodes} {incr k} {natlab_build_node $lab $k}
    for {set i 1} {$i <= [dict get $lab npods]} {incr i} {
        natlab_add_pod_ns $lab $i
        natlab_plug_pod $lab $i
    }
}

proc natlab_add_pod_ns {lab i} {
    exec ip netns add [natlab_pod_ns $lab $i]
    exec ip -n [natlab_pod_ns $lab $i] link set lo up
}

# The node end of pod i's veth (names are limited to 15 characters: keep
# them short).
proc natlab_pod_veth {lab i} {return "v[string range [dict get $lab name] 2 end]p$i"}

# k8s node k: its pod bridge, host address, routes to the other nodes'
# pod subnets, and the CNI's masquerading.
proc natlab_build_node {lab k} {
    set nodes [dict get $lab nodes]
    set node [natlab_node_ns $lab $k]
    exec ip netns add $node
    exec ip -n $node link set lo up
    exec ip -n $node link add cni0 type bridge
    exec ip -n $node addr add [natlab_bridge_ip $k]/24 dev cni0
    exec ip -n $node link set cni0 up
    if {$nodes == 1} {
        # The host address only has to be local: kube-proxy's DNAT happens
        # before routing. (The dummy link type may be missing in a sandbox.)
        exec ip -n $node addr add [natlab_host_ip]/32 dev lo
    } else {
        set veth "v[string range [dict get $lab name] 2 end]n$k"
        exec ip link add $veth netns [natlab_ns $lab net] type veth peer name eth0 netns $node
        exec ip -n [natlab_ns $lab net] link set $veth master k8s up
        exec ip -n $node addr add [natlab_host_ip $k]/24 dev eth0
        exec ip -n $node link set eth0 up
        for {set o 1} {$o <= $nodes} {incr o} {
            if {$o == $k} continue
            exec ip -n $node route add 10.42.[expr {$o - 1}].0/24 via [natlab_host_ip $o]
        }
    }
    natlab_sh $node sysctl -qw net.ipv4.ip_forward=1
    natlab_sh $node sysctl -qw net.bridge.bridge-nf-call-iptables=1
    if {[dict get $lab mode] eq "snat"} {
        natlab_sh $node iptables -t nat -A POSTROUTING -s 10.42.0.0/16 -d 10.42.0.0/16 -j MASQUERADE
    }
}

# Connects pod i's namespace to the bridge of its k8s node, at its IP.
proc natlab_plug_pod {lab i} {
    set k [natlab_pod_node $lab $i]
    set node [natlab_node_ns $lab $k]
    set ns [natlab_pod_ns $lab $i]
    set veth [natlab_pod_veth $lab $i]
    exec ip link add $veth netns $node type veth peer name eth0 netns $ns
    exec ip -n $node link set $veth master cni0 up
    # kubelet's hairpin-veth mode: a pod can reach itself through a
    # NodePort (the DNAT'd frame goes back out the port it came in).
    exec ip -n $node link set $veth type bridge_slave hairpin on
    exec ip -n $ns addr add [natlab_pod_ip $lab $i]/24 dev eth0
    exec ip -n $ns link set eth0 up
    exec ip -n $ns route add default via [natlab_bridge_ip $k]
}

# kube-proxy's NodePort: host_ip:nodeport -> pod i's port, on the k8s node
# the pod runs on (its host address). The lab dict is updated in the
# caller's variable, so that natlab_move_pod can move the NodePort along.
proc natlab_nodeport {labvar i nodeport port} {
    upvar 1 $labvar lab
    natlab_nodeport_rule $lab -A $i $nodeport $port
    dict lappend lab nodeports [list $i $nodeport $port]
}

proc natlab_nodeport_rule {lab op i nodeport port} {
    set k [natlab_pod_node $lab $i]
    natlab_sh [natlab_node_ns $lab $k] iptables -t nat $op PREROUTING -d [natlab_host_ip $k] \
        -p tcp --dport $nodeport -j DNAT --to-destination [natlab_pod_ip $lab $i]:$port
}

# Reschedules pod i (stop its server first) on k8s node k at a new pod IP,
# as Kubernetes does when a node drains: same pod namespace (and so the same
# directory and nodes.conf, as a StatefulSet's volume), new address, its
# NodePorts now on node k's host address. The lab dict is updated in the
# caller's variable.
proc natlab_move_pod {labvar i k newip} {
    upvar 1 $labvar lab
    natlab_reschedule_pod lab $i $k $newip 0
}

# Deletes pod i's namespace and creates it again on k8s node k at a new pod
# IP (stop its server first), as Kubernetes does with a deleted StatefulSet
# pod: nothing of the old network (sockets, conntrack, veth) survives, the
# pod's directory does. NodePorts follow the pod, as kube-proxy updates its
# endpoints. The lab dict is updated in the caller's variable.
proc natlab_recreate_pod {labvar i k newip} {
    upvar 1 $labvar lab
    natlab_reschedule_pod lab $i $k $newip 1
}

# Both of the above: pod i's veth and NodePorts moved to node k at newip;
# with `fresh` its namespace is replaced by a new one on the way.
proc natlab_reschedule_pod {labvar i k newip fresh} {
    upvar 1 $labvar lab
    foreach np [dict get $lab nodeports] {
        if {[lindex $np 0] == $i} {natlab_nodeport_rule $lab -D {*}$np}
    }
    # The veth is deleted first, synchronously: left to a deleted
    # namespace's teardown (lazy while anything still holds the namespace)
    # its name could still exist when the pod is plugged in again.
    exec ip -n [natlab_node_ns $lab [natlab_pod_node $lab $i]] link del [natlab_pod_veth $lab $i]
    if {$fresh} {exec ip netns del [natlab_pod_ns $lab $i]}
    dict set lab pod_node $i $k
    dict set lab ips $i $newip
    if {$fresh} {natlab_add_pod_ns $lab $i}
    natlab_plug_pod $lab $i
    foreach np [dict get $lab nodeports] {
        if {[lindex $np 0] == $i} {natlab_nodeport_rule $lab -A {*}$np}
    }
}

# Starts a server inside pod i listening on the pod address (and loopback,
# so that redis-cli inside the pod can also reach it locally). `binary` is
# ours or stock; `extra` is a list of more command line options. The lab dict is
# updated in the caller's variable.
proc natlab_start_server {labvar i binary {port 6379} {extra {}}} {
    upvar 1 $labvar lab
    set ns [natlab_pod_ns $lab $i]
    set ip [natlab_pod_ip $lab $i]
    set dir [file join [dict get $lab dir] p$i-$port]
    file mkdir $dir
    set log [file join $dir stdout.log]
    set cmd [list ip netns exec $ns $binary --port $port --bind $ip 127.0.0.1 \
        --protected-mode no --dir $dir --save {} --appendonly no --logfile {} \
        --daemonize no {*}$extra]
    set pid [exec {*}$cmd >& $log &]
    report server $pid
    dict lappend lab servers [list $i $port $pid $log]
    set tries 0
    while {[catch {natlab_sh $ns redis-cli -h $ip -p $port ping} out] || $out ne "PONG"} {
        if {[incr tries] > 100 || ![file exists /proc/$pid]} {
            error "server in [natlab_pod_ns $lab $i] did not start:\n[log_tail $log]"
        }
        after 50
    }
    return $pid
}

# The log file of the server of pod i (first one started there).
proc natlab_server_log {lab i} {
    foreach s [dict get $lab servers] {
        if {[lindex $s 0] == $i} {return [lindex $s 3]}
    }
    error "no server in pod $i"
}

# Stock redis-cli run inside pod `from`, against pod `to`'s server (same
# pod by default). Returns its output; raises on a non-zero exit.
proc natlab_cli {lab from args} {
    set to $from
    set port 6379
    while {[string match -* [lindex $args 0]]} {
        switch -- [lindex $args 0] {
            -to {set to [lindex $args 1]}
            -port {set port [lindex $args 1]}
            default {break}
        }
        set args [lrange $args 2 end]
    }
    natlab_sh [natlab_pod_ns $lab $from] redis-cli -h [natlab_pod_ip $lab $to] -p $port {*}$args
}

# CLUSTER NODES of pod i's server, as a list of lines.
proc natlab_cluster_nodes {lab i {port 6379}} {
    split [string trim [natlab_cli $lab $i -port $port cluster nodes]] \n
}

# Stops one server of the lab ({pod port pid log}) and scans its log as
# start_server does for its own servers: a crash report or a sanitizer
# finding fails the run (the log is overwritten if the pod starts again).
proc natlab_end_server {s} {
    lassign $s i port pid log
    kill_process $pid
    set crash [check_crash_logs [dict create stdout $log stderr $log]]
    if {$crash ne {}} {
        test_failed "server crash detected (NAT lab pod $i, port $port)" $crash
    }
}

# Stops the server(s) of pod i (its directory and nodes.conf are kept, so
# it can be started again as the same node).
proc natlab_stop_server {labvar i} {
    upvar 1 $labvar lab
    set keep {}
    foreach s [dict get $lab servers] {
        if {[lindex $s 0] == $i} {natlab_end_server $s} else {lappend keep $s}
    }
    dict set lab servers $keep
}

# SIGKILLs the server(s) of pod i (a crashed or OOM-killed pod): no
# shutdown, nothing saved. The directory and nodes.conf are kept.
proc natlab_kill_server {labvar i} {
    upvar 1 $labvar lab
    foreach s [dict get $lab servers] {
        if {[lindex $s 0] != $i} continue
        catch {exec kill -KILL [lindex $s 2]}
        while {[process_is_alive [lindex $s 2]]} {after 5}
    }
    natlab_stop_server lab $i
}

# Gives pod i a new IP, as a rescheduled Kubernetes pod gets (stop its
# server first). The lab dict is updated in the caller's variable.
proc natlab_readdress {labvar i newip} {
    upvar 1 $labvar lab
    set ns [natlab_pod_ns $lab $i]
    exec ip -n $ns addr flush dev eth0
    exec ip -n $ns addr add $newip/24 dev eth0
    catch {exec ip -n $ns route add default via [natlab_bridge_ip [natlab_pod_node $lab $i]]}
    dict set lab ips $i $newip
}

# The hosts file of pod i's namespace (/etc/netns/<ns>/hosts, bind-mounted
# over /etc/hosts by `ip netns exec`): a stand-in for cluster DNS. Written in
# place, so a running server sees the new content. `entries` is a list of
# {name ip} pairs. Must be called once before the server of the pod starts.
proc natlab_hosts {lab i entries} {
    set dir /etc/netns/[natlab_pod_ns $lab $i]
    file mkdir $dir
    set f [open $dir/hosts w]
    puts $f "127.0.0.1 localhost"
    foreach e $entries {puts $f "[lindex $e 1] [lindex $e 0]"}
    close $f
}

# A DNS server that never answers: queries to this address are dropped by
# the k8s node before routing (no ICMP error comes back), so a lookup sent
# there waits for the resolver's full timeout. Returns the address.
proc natlab_dns_blackhole {lab} {
    set ip 10.99.0.53
    natlab_sh [natlab_ns $lab node] iptables -t raw -A PREROUTING -d $ip -j DROP
    return $ip
}

# The resolv.conf of pod i's namespace (/etc/netns/<ns>/resolv.conf,
# bind-mounted by `ip netns exec`, like natlab_hosts): `lines` is a list of
# lines. Must be called before the server of the pod starts.
proc natlab_resolv {lab i lines} {
    set dir /etc/netns/[natlab_pod_ns $lab $i]
    file mkdir $dir
    set f [open $dir/resolv.conf w]
    foreach l $lines {puts $f $l}
    close $f
}

# Stops every server of the lab and deletes its namespaces.
proc natlab_destroy {lab} {
    foreach s [dict get $lab servers] {
        natlab_end_server $s
    }
    for {set i 1} {$i <= [dict get $lab npods]} {incr i} {
        catch {exec ip netns del [natlab_pod_ns $lab $i]}
        catch {file delete -force /etc/netns/[natlab_pod_ns $lab $i]}
    }
    for {set k 1} {$k <= [dict get $lab nodes]} {incr k} {
        catch {exec ip netns del [natlab_node_ns $lab $k]}
    }
    catch {exec ip netns del [natlab_ns $lab net]}
    set idx [lsearch -exact $::natlab_labs [dict get $lab name]]
    if {$idx >= 0} {set ::natlab_labs [lreplace $::natlab_labs $idx $idx]}
    if {!$::dont_clean} {file delete -force [dict get $lab dir]}
}
