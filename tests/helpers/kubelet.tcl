# A minimal kubelet for the NAT lab (tests/support/natlab.tcl): runs the
# StatefulSet's and the bootstrap Job's containers as the rendered manifests
# describe them (tests/helpers/k8s.tcl), in lab pods, so that
# tests/nat/k8s.tcl exercises the scripts of k8s/ exactly as a cluster runs
# them. One cluster at a time, state in the global array ::kl.
#
# What a pod gets here, and how it differs from a real one:
#   network   its own namespace on a lab node's bridge (Flannel-like SNAT,
#             NodePorts as kube-proxy DNAT when the overlay has them).
#   DNS       /etc/netns/<ns>/hosts (bind-mounted over /etc/hosts by `ip
#             netns exec`) lists the FQDN of every pod that exists, as the
#             headless Service with publishNotReadyAddresses does; getent in
#             lib.sh and the server's resolver both read it. Other names
#             fail at once (resolv.conf points at the pod's loopback).
#   volumes   bind-mounted at their mountPaths in the private mount
#             namespace `ip netns exec` creates: ConfigMaps read-only from
#             files extracted from the rendered YAML, the PVC a per-ordinal
#             directory that outlives the pod. So the scripts and redis.conf
#             run unmodified, absolute paths (/scripts, /etc/redis, /data)
#             and all: nothing is substituted. The mount points are created
#             on the host when missing (empty directories; nothing is ever
#             mounted in the host's own mount namespace).
#   env       the spec's, downward API fieldRefs resolved (metadata.name,
#             metadata.namespace, status.podIP, status.hostIP), plus what the
#             image gives: PATH with our redis-server first (the image's
#             /usr/local/bin/redis-server) and the stock redis-cli (the
#             image's redis-tools), HOSTNAME = the pod name.
#   user      the securityContext's uid/gid (setpriv); the PVC is owned by
#             uid:fsGroup.
#   lifecycle the container command with stdout+stderr to a log (kubectl
#             logs); exec probes, the preStop hook and `kubectl exec` run in
#             the pod with the container's env; deletion runs preStop, then
#             SIGTERM, and SIGKILL at terminationGracePeriodSeconds.
# A pod's ordinal o is lab pod o+1; one more lab pod runs the Job and the
# test's clients.

source [file join $::tests_root helpers k8s.tcl]
source [file join $::tests_root helpers nat.tcl]

set ::kl_k8s_namespace natlab
set ::kl_runtime {
    n=$1; shift
    while [ "$n" -gt 0 ]; do
        mount --bind "$1" "$2" || exit 1
        if [ "$3" = ro ]; then mount -o remount,bind,ro "$2" || exit 1; fi
        shift 3; n=$((n - 1))
    done
    uid=$1 gid=$2; shift 2
    cd /
    exec setpriv --reuid="$uid" --regid="$gid" --clear-groups env -i "$@"
}

# Builds the lab for `overlay` with room for `maxpods` StatefulSet pods on
# `nodes` k8s nodes; nothing runs yet.
proc kl_create {overlay {nodes 1} {maxpods 8}} {
    array unset ::kl
    set yaml [k8s_render $overlay]
    set ::kl(sts) [k8s_pod_spec $yaml StatefulSet redis]
    set ::kl(job) [k8s_pod_spec $yaml Job redis-bootstrap]
    set ::kl(nodeports) [k8s_nodeports $yaml]
    set ::kl(maxpods) $maxpods
    set ::kl(jobpod) [expr {$maxpods + 1}]
    set ::kl(up) {}
    set ::kl(runs) 0
    set ::kl(lab) [natlab_create [expr {$maxpods + 1}] snat $nodes]
    set dir [dict get $::kl(lab) dir]
    set ::kl(dir) $dir
    # The image: our server first on PATH.
    file mkdir $dir/bin $dir/logs
    file link -symbolic $dir/bin/redis-server $::ours_binary
    # ConfigMap volumes, extracted once: every pod mounts the same files.
    foreach spec [list $::kl(sts) $::kl(job)] {
        dict for {vol v} [dict get $spec volumes] {
            if {[lindex $v 0] ne "configmap"} continue
            set cm [lindex $v 1]
            set cmdir $dir/cm/$cm
            if {[file isdirectory $cmdir]} continue
            file mkdir $cmdir
            foreach key [lindex $v 2] {
                file attributes [k8s_script $yaml $key $cmdir $cm] -permissions 0644
            }
        }
    }
    foreach np $::kl(nodeports) {
        lassign $np pod target nodeport
        set ord [string range $pod [string length redis-] end]
        if {$ord < $maxpods} {natlab_nodeport ::kl(lab) [kl_pod $ord] $nodeport $target}
    }
    # Cluster DNS answers at once for names it does not have (getent asks
    # for IPv6 first): a resolver on the pod's loopback that refuses
    # (nothing listens), instead of the host's, unreachable from the lab.
    for {set i 1} {$i <= $::kl(jobpod)} {incr i} {
        natlab_resolv $::kl(lab) $i {"nameserver 127.0.0.1" "options timeout:1 attempts:1"}
    }
    kl_dns
}

proc kl_destroy {} {
    if {[info exists ::kl(lab)]} {natlab_destroy $::kl(lab)}
    array unset ::kl
}

proc kl_pod {ord} {expr {$ord + 1}}
proc kl_ns {ord} {natlab_pod_ns $::kl(lab) [kl_pod $ord]}
proc kl_ip {ord} {natlab_pod_ip $::kl(lab) [kl_pod $ord]}
proc kl_node {ord} {natlab_pod_node $::kl(lab) [kl_pod $ord]}
proc kl_host_ip {ord} {natlab_host_ip [kl_node $ord]}
proc kl_fqdn {ord} {return "redis-$ord.redis-headless.$::kl_k8s_namespace.svc.cluster.local"}
proc kl_running {} {lsort -integer [dict keys $::kl(up)]}
proc kl_pid {ord} {dict get $::kl(up) $ord}
proc kl_log {ord} {return $::kl(log,$ord)}

# The cluster DNS: every existing pod's name, in every lab pod.
proc kl_dns {} {
    set entries {}
    foreach ord [kl_running] {lappend entries [list [kl_fqdn $ord] [kl_ip $ord]]}
    for {set i 1} {$i <= $::kl(jobpod)} {incr i} {natlab_hosts $::kl(lab) $i $entries}
}

# NAME=value words of the env of a container of `spec` in lab pod `labpod`.
proc kl_env {spec labpod podname} {
    set lab $::kl(lab)
    set env [list PATH=$::kl(dir)/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOSTNAME=$podname]
    foreach e [dict get $spec env] {
        lassign $e name kind val
        if {$kind eq "field"} {
            switch -- $val {
                metadata.name {set val $podname}
                metadata.namespace {set val $::kl_k8s_namespace}
                status.podIP {set val [natlab_pod_ip $lab $labpod]}
                status.hostIP {set val [natlab_host_ip [natlab_pod_node $lab $labpod]]}
                default {error "kubelet: fieldRef $val not supported"}
            }
        }
        lappend env $name=$val
    }
    return $env
}

# The command line running `cmd` in a container of `spec` in lab pod
# `labpod`: its namespace, volumes, user and env.
proc kl_cmdline {spec labpod podname cmd} {
    set mounts {}
    foreach m [dict get $spec mounts] {
        lassign $m vol path
        set v [dict get $spec volumes $vol]
        switch -- [lindex $v 0] {
            configmap {lappend mounts $::kl(dir)/cm/[lindex $v 1] $path ro}
            claim {
                set src $::kl(dir)/pvc/$vol-$podname
                if {![file isdirectory $src]} {
                    file mkdir $src
                    lassign [kl_user $spec] uid gid fsgroup
                    exec chown $uid:[expr {$fsgroup ne {} ? $fsgroup : $gid}] $src
                }
                lappend mounts $src $path rw
            }
        }
        # The runtime creates a missing mount point; on the host it stays
        # an empty directory.
        if {![file isdirectory $path]} {file mkdir $path}
    }
    lassign [kl_user $spec] uid gid
    return [list ip netns exec [natlab_pod_ns $::kl(lab) $labpod] sh -c $::kl_runtime kubelet \
        [expr {[llength $mounts] / 3}] {*}$mounts $uid $gid \
        {*}[kl_env $spec $labpod $podname] {*}$cmd]
}

proc kl_user {spec} {
    if {[dict exists $spec user]} {return [dict get $spec user]}
    return {0 0 {}}
}

# Runs `cmd` to completion (at most `secs`); returns {exit-code output}.
proc kl_run {cmdline secs} {
    set code 0
    if {[catch {exec timeout -k 2 $secs {*}$cmdline 2>@1} out opts]} {
        set ec [dict get $opts -errorcode]
        set code [expr {[lindex $ec 0] eq "CHILDSTATUS" ? [lindex $ec 2] : -1}]
        if {$code == -1} {append out "\n$ec"}
    }
    return [list $code $out]
}

# `kubectl exec redis-<ord> -- cmd...`: {exit-code output}.
proc kl_exec {ord cmd {secs 120}} {
    kl_run [kl_cmdline $::kl(sts) [kl_pod $ord] redis-$ord $cmd] $secs
}

# Creates pod redis-<ord> (its lab namespace must exist): DNS record, then
# the container's command in the background.
proc kl_start {ord} {
    dict set ::kl(up) $ord {}
    kl_dns
    set log $::kl(dir)/logs/redis-$ord.[incr ::kl(runs)].log
    set cmd [kl_cmdline $::kl(sts) [kl_pod $ord] redis-$ord [dict get $::kl(sts) command]]
    set pid [exec {*}$cmd >& $log &]
    dict set ::kl(up) $ord $pid
    set ::kl(log,$ord) $log
    dict lappend ::kl(lab) servers [list [kl_pod $ord] 6379 $pid $log]
    return $pid
}

# 1 when the readiness probe of pod redis-<ord> passes.
proc kl_ready {ord} {
    expr {[lindex [kl_exec $ord [dict get $::kl(sts) probe.readiness] 10] 0] == 0}
}

proc kl_wait_ready {ords {tries 120}} {
    foreach ord $ords {
        wait_for_condition $tries 250 {[kl_ready $ord]} else {
            fail "redis-$ord not ready: [lindex [kl_exec $ord [dict get $::kl(sts) probe.readiness] 10] 1]\n[log_tail [kl_log $ord] 15]"
        }
    }
}

# Deletes pods (kubectl delete pod), all at once: each runs its preStop
# hook, then gets SIGTERM, and SIGKILL if still alive after the grace
# period, independently of the others, as kubelet does. The PVC stays; the
# namespace is kept until kl_recreate. Returns {ord preStop-output ...}.
proc kl_delete {ords} {
    set grace [dict get $::kl(sts) grace]
    set stoppers {}
    foreach ord $ords {
        set plog $::kl(dir)/logs/prestop-$ord.[incr ::kl(runs)].log
        set hook [kl_cmdline $::kl(sts) [kl_pod $ord] redis-$ord [dict get $::kl(sts) prestop]]
        exec sh -c {log=$1 g=$2 pid=$3; shift 3; timeout "$g" "$@" > "$log" 2>&1; kill -TERM "$pid"} \
            kubelet $plog $grace [kl_pid $ord] {*}$hook &
        lappend stoppers $ord $plog
    }
    set deadline [expr {[clock seconds] + $grace + 2}]
    foreach ord $ords {
        set pid [kl_pid $ord]
        while {[process_is_alive $pid] && [clock seconds] < $deadline} {after 20}
        if {[process_is_alive $pid]} {
            catch {exec kill -KILL $pid}
            while {[process_is_alive $pid]} {after 5}
        }
        natlab_stop_server ::kl(lab) [kl_pod $ord]
        dict unset ::kl(up) $ord
    }
    kl_dns
    set out {}
    foreach {ord plog} $stoppers {
        set fd [open $plog]
        lappend out $ord [read $fd]
        close $fd
    }
    return $out
}

# The StatefulSet controller re-creates pod redis-<ord> after kl_delete:
# a new namespace on k8s node `node` at `ip`, same PVC.
proc kl_recreate {ord node ip} {
    natlab_recreate_pod ::kl(lab) [kl_pod $ord] $node $ip
    kl_start $ord
}

# Runs the bootstrap Job's container to completion in the Job's own pod:
# {exit-code output}.
proc kl_job {{secs 120}} {
    kl_run [kl_cmdline $::kl(job) $::kl(jobpod) redis-bootstrap-lab \
        [dict get $::kl(job) command]] $secs
}

# A client in the Job's pod: stock redis-cli, one command per line of
# `cmds` on stdin, -c (follows MOVED) into host:port. Returns the replies,
# without redis-cli's redirection notes.
proc kl_client {host port cmds} {
    set out [exec ip netns exec [natlab_pod_ns $::kl(lab) $::kl(jobpod)] \
        redis-cli -c -h $host -p $port << [join $cmds \n]]
    set replies {}
    foreach line [split $out \n] {
        if {![string match "*Redirected*" $line]} {lappend replies $line}
    }
    return $replies
}

# redis-cli in pod redis-<ord> against its own server.
proc kl_cli {ord args} {
    natlab_sh [kl_ns $ord] redis-cli -h [kl_ip $ord] -p 6379 {*}$args
}

proc kl_cluster_field {ord field} {
    if {[catch {kl_cli $ord cluster info} info]} {return {}}
    if {[regexp "$field:(\[^\r\n\]*)" $info -> v]} {return $v}
    return {}
}

proc kl_all_ok {ords} {
    foreach ord $ords {if {[kl_cluster_field $ord cluster_state] ne "ok"} {return 0}}
    return 1
}

proc kl_wait_ok {ords {tries 200}} {
    wait_for_condition $tries 100 {[kl_all_ok $ords]} else {
        set out {}
        foreach ord $ords {append out "redis-$ord: [kl_cluster_field $ord cluster_state]\n"}
        catch {append out [kl_cli [lindex $ords 0] cluster nodes]}
        fail "cluster_state not ok everywhere:\n$out"
    }
}
