# Real cluster clients against a cluster of our nodes (3 masters, 3
# replicas, made by redis-cli --cluster create): stock
# `redis-benchmark --cluster` spreads its load over every master without an
# error, and redis-py's RedisCluster (Debian python3-redis) writes and reads
# over many slots, runs a cluster pipeline, and keeps working with its stale
# slot map through a manual failover (MOVED) and a killed master
# (reconnect, refresh).
source [file join $::tests_root helpers cluster.tcl]

# Indexes of the nodes that answer ROLE with master.
proc cluster_masters {} {
    set out {}
    for {set i 0} {$i < [llength $::cluster_ports]} {incr i} {
        if {![catch {cluster_role $i} role] && $role eq "master"} {lappend out $i}
    }
    return $out
}

# Index of a replica of master m (from m's own INFO).
proc cluster_replica_index {m} {
    if {![regexp {slave0:ip=[^,]+,port=(\d+)} [R $m info replication] -> port]} {return -1}
    return [lsearch -exact $::cluster_ports $port]
}

# A line from the client process, waiting at most ~30 s.
proc client_line {fd} {
    set line {}
    wait_for_condition 300 100 {[gets $fd line] >= 0 || [eof $fd]} else {
        fail "the client said nothing"
    }
    if {[eof $fd]} {fail "the client exited: [catch {close $fd} err] $err"}
    return $line
}

# Asks the client to read everything back and write more (step n); it must
# hold `keys` keys and have met more redirections than `before` (MOVED,
# lost connections, CLUSTERDOWN: what depends on timing): returns them.
proc client_check {fd n keys before} {
    puts $fd check
    set line [client_line $fd]
    assert_match "OK step=$n keys=$keys *" $line
    if {![regexp {redirects=(\d+)} $line -> count] || $count <= $before} {
        fail "the client did not notice the failover: $line"
    }
    return $count
}

start_cluster_nodes {ours ours ours ours ours ours} {
    test {Cluster clients: redis-cli --cluster create with replicas} {
        set addrs [lmap p $::cluster_ports {set _ 127.0.0.1:$p}]
        redis_cli --cluster create {*}$addrs --cluster-replicas 1 --cluster-yes
        cluster_wait_ok 6
        wait_for_condition 200 50 {[llength [cluster_masters]] == 3 &&
            [llength [lsearch -all [lmap i {0 1 2 3 4 5} {cluster_role $i}] slave]] == 3} else {
            fail "replicas not set up"
        }
        foreach m [cluster_masters] {
            wait_for_condition 200 50 {[set r [cluster_replica_index $m]] >= 0} else {
                fail "master $m has no replica"
            }
            cluster_wait_synced $r
        }
    }

    test {redis-benchmark --cluster: no errors, keys on every master} {
        set p [lindex $::cluster_ports 0]
        set out [exec redis-benchmark --cluster -p $p -t set,get -n 20000 -r 100000 -q 2>@1]
        assert_no_match {*rror*} $out
        assert_match {*SET: *requests per second*} $out
        assert_match {*GET: *requests per second*} $out
        foreach m [cluster_masters] {assert_morethan [R $m dbsize] 100}
        foreach m [cluster_masters] {R $m flushall}
    }

    test {redis-py RedisCluster: many slots, pipeline, failovers} {
        set script [file join $::tests_root helpers redis_py_cluster.py]
        set fd [open "|/usr/bin/python3 $script [lindex $::cluster_ports 0] 2>@1" r+]
        fconfigure $fd -blocking 0 -buffering line
        assert_match {OK keys=800 * masters=3} [client_line $fd]

        # Manual failover: the client's map now points writes at a replica.
        set m [lindex [cluster_masters] 0]
        set r [cluster_replica_index $m]
        assert_equal OK [R $r cluster failover]
        wait_for_condition 200 50 {[cluster_role $r] eq "master" && [cluster_role $m] eq "slave"} else {
            fail "manual failover did not complete"
        }
        set seen [client_check $fd 1 1000 0]

        # A master killed after its replica acknowledged everything.
        set m [lindex [cluster_masters] 1]
        set r [cluster_replica_index $m]
        cluster_wait_synced $r
        assert_equal 1 [R $m wait 1 5000]
        exec kill -9 [srv [cluster_level $m] pid]
        cluster_forget_client $m
        wait_for_condition 300 50 {[cluster_role $r] eq "master"} else {
            fail "replica $r was not promoted"
        }
        set live [lsearch -all -not -exact {0 1 2 3 4 5} $m]
        wait_for_condition 200 50 {[cluster_state_ok_on $live]} else {
            fail "cluster not ok after the failover"
        }
        client_check $fd 2 1200 $seen
        puts $fd quit
        fconfigure $fd -blocking 1
        close $fd
    }
}
