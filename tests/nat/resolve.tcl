# Re-resolving a silent peer's hostname never stalls the server: the
# lookup runs in a background thread (src/cluster_resolve.c). Pod 1's DNS
# server is a black hole (queries dropped by the k8s node, no ICMP back),
# so once pod 2 goes silent the lookup of its stable name hangs for the
# resolver's whole timeout; meanwhile pod 1 must keep answering clients and
# running its cluster cron.
source [file join $::tests_root helpers nat.tcl]

# PING in pod i's namespace, bounded by `secs` (a stalled event loop would
# keep redis-cli waiting): "PONG", or what went wrong.
proc nat_bounded_ping {lab i secs} {
    if {[catch {exec timeout $secs ip netns exec [natlab_pod_ns $lab $i] \
            redis-cli -h [natlab_pod_ip $lab $i] ping} out]} {
        return "no answer within $secs s: $out"
    }
    return $out
}

tags {natlab} {
    test {NAT: a hostname lookup that hangs does not stall the server} {
        natlab_needs
        set lab [natlab_create 2 snat]
        try {
            set dns [natlab_dns_blackhole $lab]
            # One attempt of 30 s (glibc's most): pending for the whole test.
            natlab_resolv $lab 1 [list "nameserver $dns" "options timeout:30 attempts:1"]
            natlab_start_server lab 1 $::ours_binary 6379 [nat_cluster_opts {--loglevel verbose}]
            natlab_start_server lab 2 $::ours_binary 6379 [nat_cluster_opts \
                {--cluster-announce-internal-hostname pod-2.redis}]
            set ids [list [nat_myid $lab 1] [nat_myid $lab 2]]
            assert_equal OK [natlab_cli $lab 2 cluster meet [natlab_pod_ip $lab 1] 6379]
            nat_wait_joined $lab {1 2} $ids
            set log [natlab_server_log $lab 1]
            set sidecar [file join [dict get $lab dir] p1-6379 nodes.conf.nat]
            wait_for_condition 100 50 {
                [file exists $sidecar] && [string match "*[lindex $ids 1] * pod-2.redis*" [exec cat $sidecar]]
            } else {
                fail "pod 1 never learnt pod 2's hostname"
            }
            assert_match "*resolving=0*" [natlab_cli $lab 1 info cluster]
            natlab_stop_server lab 2
            # Silent for max(node timeout/2, 500 ms): the lookup starts and hangs.
            wait_for_condition 100 50 {
                [string match "*resolving=1*" [natlab_cli $lab 1 info cluster]]
            } else {
                fail "no lookup started: [natlab_cli $lab 1 info cluster]"
            }
            assert_equal 1 [nat_log_count $log "*re-resolving hostname pod-2.redis of node [lindex $ids 1]*"]
            # Clients are served while it hangs ...
            set t0 [clock milliseconds]
            foreach n {1 2 3} {assert_equal PONG [nat_bounded_ping $lab 1 2]}
            puts "    3 PINGs during a hanging lookup answered in [expr {[clock milliseconds] - $t0}] ms"
            # ... and the cron runs: pod 2 is flagged as failing after the
            # node timeout, one lookup is still the only one (rate limit,
            # one in flight per node).
            wait_for_condition 100 50 {
                [string match "*fail*" [lindex [lsearch -inline [natlab_cluster_nodes $lab 1] "[lindex $ids 1] *"] 2]]
            } else {
                fail "pod 2 not flagged: [natlab_cluster_nodes $lab 1]"
            }
            assert_match "*resolving=1*" [natlab_cli $lab 1 info cluster]
            assert_equal 1 [nat_log_count $log "*re-resolving hostname pod-2.redis of node*"]
            assert_equal PONG [nat_bounded_ping $lab 1 2]
        } finally {
            natlab_destroy $lab
        }
    }
}
