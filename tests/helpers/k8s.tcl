# Helpers for the tests of the Kubernetes manifests (k8s/): rendering with
# kustomize, and reading back from the rendered YAML what a cluster would
# run: the scripts of the ConfigMaps and the pod specs. Used by
# tests/integration/k8s_manifests.tcl (offline checks) and tests/nat/k8s.tcl
# (the scripts run in the NAT lab, tests/helpers/kubelet.tcl). Scripts are
# always taken from the rendered YAML, never from k8s/base/scripts directly,
# so the tests see what a cluster would run.

set ::k8s_dir [file join [file dirname $::tests_root] k8s]
set ::node_helpers [file join $::tests_root helpers node]

proc k8s_needs {} {
    if {[auto_execok kubectl] eq {}} {skip "kubectl (kustomize) not installed"}
    if {![file isdirectory [file join $::node_helpers node_modules kubernetes-models]]} {
        skip "kubernetes-models not installed (make test runs deps/npm.sh)"
    }
}

# Rendering takes about a second: each overlay is rendered once per run.
proc k8s_render {overlay} {
    if {![dict exists $::k8s_rendered $overlay]} {
        dict set ::k8s_rendered $overlay \
            [exec kubectl kustomize [file join $::k8s_dir $overlay] 2>/dev/null]
    }
    dict get $::k8s_rendered $overlay
}
set ::k8s_rendered {}

proc k8s_validate {yaml} {
    exec node [file join $::node_helpers k8s_validate.js] << $yaml
}

# Writes one entry of a rendered ConfigMap (the scripts one by default)
# into dir; returns its path.
proc k8s_script {yaml name dir {configmap redis-scripts}} {
    set body [exec node [file join $::node_helpers k8s_extract.js] $configmap $name << $yaml]
    set path [file join $dir $name]
    set fd [open $path w]
    puts -nonewline $fd $body
    close $fd
    return $path
}

proc k8s_tmpdir {} {
    set dir [file join $::tests_root tmp k8s.[pid].[incr ::k8s_seq]]
    file mkdir $dir
    return $dir
}
set ::k8s_seq 0

# The pod spec of a workload (kind StatefulSet or Job) in rendered YAML, as
# a dict (helpers/node/k8s_pod.js): command, env {{NAME value|field X}...},
# probe.readiness / probe.liveness, prestop (commands as lists), mounts
# {{volume path}...}, volumes {name {configmap NAME keys} | {claim}},
# user {uid gid fsGroup}, grace, replicas.
proc k8s_pod_spec {yaml kind name} {
    set out [exec node [file join $::node_helpers k8s_pod.js] container $kind $name << $yaml]
    set spec [dict create env {} mounts {} volumes {}]
    foreach line [split $out \n] {
        set f [split $line \t]
        switch -- [lindex $f 0] {
            command {dict set spec command [lrange $f 1 end]}
            env {dict lappend spec env [lrange $f 1 3]}
            probe {dict set spec probe.[lindex $f 1] [lrange $f 2 end]}
            prestop {dict set spec prestop [lrange $f 1 end]}
            mount {dict lappend spec mounts [lrange $f 1 2]}
            volume {
                if {[lindex $f 2] eq "configmap"} {
                    dict set spec volumes [lindex $f 1] [list configmap [lindex $f 3] [lrange $f 4 end]]
                } else {
                    dict set spec volumes [lindex $f 1] [list [lindex $f 2]]
                }
            }
            user {dict set spec user [lrange $f 1 3]}
            grace {dict set spec grace [lindex $f 1]}
            replicas {dict set spec replicas [lindex $f 1]}
        }
    }
    return $spec
}

# The per-pod NodePort Services of rendered YAML: {pod targetPort nodePort}...
proc k8s_nodeports {yaml} {
    set out [exec node [file join $::node_helpers k8s_pod.js] nodeports << $yaml]
    set nps {}
    foreach line [split [string trim $out] \n] {
        if {$line ne {}} {lappend nps [lrange [split $line \t] 1 3]}
    }
    return $nps
}
