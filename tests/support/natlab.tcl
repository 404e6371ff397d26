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
# Modes (what the CNI does to pod traffic):
#   snat   every pod-to-pod connection, direct or through a NodePort, is
#          masqueraded to the bridge address 10.42.0.1, as k3d's Flannel
#          does: the receiver sees the peer as 10.42.0.1:<random port>.
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
proc natlab_pod_ns {lab i} {return [natlab_ns $lab p$i]}
proc natlab_pod_ip {lab i} {
    if {[dict exists $lab ips $i]} {return [dict get $lab ips $i]}
    return "10.42.0.[expr {10 + $i}]"
}
proc natlab_bridge_ip {} {return 10.42.0.1}
proc natlab_host_ip {} {return 172.18.0.2}

proc natlab_sh {ns args} {
    exec ip netns exec $ns {*}$args
}

# Builds a lab with pods 1..npods. Returns the lab handle (a dict).
proc natlab_create {npods {mode snat}} {
    natlab_reap_stale
    set name "nl[pid]x[incr ::natlab_seq]"
    set lab [dict create name $name npods $npods mode $mode servers {} \
        dir [file join $::tests_root tmp $name]]
    file mkdir [dict get $lab dir]
    lappend ::natlab_labs $name
    if {[catch {natlab_build $lab} err opts]} {
        natlab_destroy $lab
        return -options $opts $err
    }
    return $lab
}

proc natlab_build {lab} {
    set name [dict get $lab name]
    set mode [dict get $lab mode]
    set npods [dict get $lab npods]
    set node [natlab_ns $lab node]
    exec ip netns add $node
    exec ip -n $node link set lo up
    exec ip -n $node link add cni0 type bridge
    exec ip -n $node addr add [natlab_bridge_ip]/24 dev cni0
    exec ip -n $node link set cni0 up
    # The host address only has to be local: kube-proxy's DNAT happens
    # before routing. (The dummy link type may be missing in a sandbox.)
    exec ip -n $node addr add [natlab_host_ip]/32 dev lo
    natlab_sh $node sysctl -qw net.ipv4.ip_forward=1
    natlab_sh $node sysctl -qw net.bridge.bridge-nf-call-iptables=1
    if {$mode eq "snat"} {
        natlab_sh $node iptables -t nat -A POSTROUTING -s 10.42.0.0/24 -d 10.42.0.0/24 -j MASQUERADE
    }
    for {set i 1} {$i <= $npods} {incr i} {
        set ns [natlab_pod_ns $lab $i]
        # veth names are limited to 15 characters: keep them short.
        set veth "v[string range $name 2 end]p$i"
        exec ip netns add $ns
        exec ip -n $ns link set lo up
        exec ip link add $veth netns $node type veth peer name eth0 netns $ns
        exec ip -n $node link set $veth master cni0 up
        # kubelet's hairpin-veth mode: a pod can reach itself through a
        # NodePort (the DNAT'd frame goes back out the port it came in).
        exec ip -n $node link set $veth type bridge_slave hairpin on
        exec ip -n $ns addr add [natlab_pod_ip $lab $i]/24 dev eth0
        exec ip -n $ns link set eth0 up
        exec ip -n $ns route add default via [natlab_bridge_ip]
    }
}

# kube-proxy's NodePort: host_ip:nodeport -> pod i's port.
proc natlab_nodeport {lab i nodeport port} {
    natlab_sh [natlab_ns $lab node] iptables -t nat -A PREROUTING -d [natlab_host_ip] \
        -p tcp --dport $nodeport -j DNAT --to-destination [natlab_pod_ip $lab $i]:$port
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

# Stops the server(s) of pod i (its directory and nodes.conf are kept, so
# it can be started again as the same node).
proc natlab_stop_server {labvar i} {
    upvar 1 $labvar lab
    set keep {}
    foreach s [dict get $lab servers] {
        if {[lindex $s 0] == $i} {kill_process [lindex $s 2]} else {lappend keep $s}
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
    catch {exec ip -n $ns route add default via [natlab_bridge_ip]}
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
        kill_process [lindex $s 2]
    }
    for {set i 1} {$i <= [dict get $lab npods]} {incr i} {
        catch {exec ip netns del [natlab_pod_ns $lab $i]}
        catch {file delete -force /etc/netns/[natlab_pod_ns $lab $i]}
    }
    catch {exec ip netns del [natlab_ns $lab node]}
    set idx [lsearch -exact $::natlab_labs [dict get $lab name]]
    if {$idx >= 0} {set ::natlab_labs [lreplace $::natlab_labs $idx $idx]}
    if {!$::dont_clean} {file delete -force [dict get $lab dir]}
}
