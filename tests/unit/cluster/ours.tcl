# A cluster of three of our nodes, built by stock redis-cli --cluster create:
# the check is clean, redirections follow, keys are indexed by slot, a dead
# master goes PFAIL then FAIL, and garbage on the bus never hurts a node.
source [file join $::tests_root helpers cluster.tcl]

start_cluster_nodes {ours ours ours} {
    test {redis-cli --cluster create forms a cluster of our nodes} {
        set addrs {}
        for {set i 0} {$i < 3} {incr i} {lappend addrs 127.0.0.1:[srv [cluster_level $i] port]}
        set out [redis_cli --cluster create {*}$addrs --cluster-yes]
        assert_match {*All 16384 slots covered*} $out
        cluster_wait_ok 3
        cluster_wait_known 3
        wait_for_condition 100 100 {[cluster_views_agree 3]} else {
            fail "CLUSTER NODES differ between nodes"
        }
    }

    test {redis-cli --cluster check is clean} {
        set out [redis_cli --cluster check 127.0.0.1:[srv [cluster_level 1] port]]
        assert_match {*All nodes agree about slots configuration*} $out
        assert_match {*All 16384 slots covered*} $out
        assert_no_match {*ERR*} $out
        assert_no_match {*WARNING*} $out
    }

    test {CLUSTER INFO, MYID and INFO cluster} {
        set info [R 0 cluster info]
        assert_match "*cluster_slots_assigned:16384\r\n*" $info
        assert_match "*cluster_known_nodes:3\r\n*" $info
        assert_match "*cluster_size:3\r\n*" $info
        assert_match "*total_cluster_links_buffer_limit_exceeded:0*" $info
        assert_equal 40 [string length [R 0 cluster myid]]
        assert_match "*cluster_enabled:1*" [R 0 info cluster]
        assert_match "*redis_mode:cluster*" [R 0 info server]
        assert_match "*myself,master*" [R 0 cluster nodes]
    }

    test {redis-cli -c follows MOVED for SET and GET} {
        set p [srv [cluster_level 0] port]
        for {set k 0} {$k < 20} {incr k} {
            assert_equal OK [redis_cli -c -p $p set key:$k val$k]
        }
        for {set k 0} {$k < 20} {incr k} {
            assert_equal val$k [redis_cli -c -p $p get key:$k]
        }
    }

    test {MOVED, CROSSSLOT and hash tags as stock} {
        set slot [R 0 cluster keyslot foo]
        assert_equal 12182 $slot
        assert_equal [R 0 cluster keyslot {{foo}bar}] $slot
        assert_equal [R 0 cluster keyslot {a{}b}] [R 0 cluster keyslot {a{}b}]
        # Find the owner of slot 12182 and someone else.
        set owner -1
        for {set i 0} {$i < 3} {incr i} {
            if {[catch {R $i get foo} e] == 0} {set owner $i}
        }
        assert {$owner >= 0}
        set other [expr {($owner + 1) % 3}]
        set port [srv [cluster_level $owner] port]
        assert_error "MOVED 12182 127.0.0.1:$port" {R $other get foo}
        assert_error {CROSSSLOT Keys in request don't hash to the same slot} {R $owner mget foo bar}
        assert_equal {{} {}} [R $owner mget {foo} {{foo}x}]
        # Commands without keys are never redirected.
        assert_equal PONG [R $other ping]
        assert_error {*SELECT is not allowed in cluster mode*} {R $other select 1}
    }

    test {MULTI with a key of another node aborts EXEC} {
        set owner -1
        for {set i 0} {$i < 3} {incr i} {
            if {[catch {R $i get foo} e] == 0} {set owner $i}
        }
        set other [expr {($owner + 1) % 3}]
        R $other multi
        catch {R $other set foo 1} e
        assert_match {MOVED*} $e
        assert_error {EXECABORT*} {R $other exec}
    }

    test {COUNTKEYSINSLOT and GETKEYSINSLOT follow adds and deletes} {
        set owner -1
        for {set i 0} {$i < 3} {incr i} {
            if {[catch {R $i get foo} e] == 0} {set owner $i}
        }
        foreach k [list "{foo}a" "{foo}b" "{foo}c"] {R $owner set $k 1}
        assert_equal 3 [R $owner cluster countkeysinslot 12182]
        assert_equal 2 [llength [R $owner cluster getkeysinslot 12182 2]]
        assert_equal [lsort [list "{foo}a" "{foo}b" "{foo}c"]] [lsort [R $owner cluster getkeysinslot 12182 10]]
        R $owner del "{foo}a"
        R $owner rename "{foo}b" "{foo}d"
        assert_equal [lsort [list "{foo}c" "{foo}d"]] [lsort [R $owner cluster getkeysinslot 12182 10]]
        R $owner flushall
        assert_equal 0 [R $owner cluster countkeysinslot 12182]
        assert_error {*Invalid slot*} {R $owner cluster countkeysinslot 16384}
        assert_error {*Invalid slot or number of keys*} {R $owner cluster getkeysinslot 0 -1}
    }

    test {nodes.conf is saved atomically (temp file renamed over it), the lock follows} {
        set dir [srv [cluster_level 0] dir]
        set before [file stat [file join $dir nodes.conf] st; set st(ino)]
        assert_equal OK [R 0 cluster saveconfig]
        file stat [file join $dir nodes.conf] st
        assert {$st(ino) != $before}
        assert_equal {} [glob -nocomplain -directory $dir nodes.conf.tmp*]
        assert_match "*myself*" [exec cat [file join $dir nodes.conf]]
    }

    test {nodes.conf is locked: a second node on the same file refuses to start} {
        set dir [srv [cluster_level 0] dir]
        set port [find_available_port]
        catch {exec timeout 10 $::server_binary --port $port --cluster-enabled yes \
                   --dir $dir --save "" --appendonly no --bind 127.0.0.1} out
        assert_match "*Sorry, the cluster configuration file nodes.conf is already used by a different Redis Cluster node*" $out
        # The running node is unaffected and its file intact.
        assert_match "*myself*" [R 0 cluster nodes]
        assert_equal OK [R 0 cluster saveconfig]
    }

    test {Garbage on the bus port does not crash a node} {
        set bport [expr {[srv [cluster_level 2] port] + 10000}]
        # Not a bus stream at all.
        set fd [socket 127.0.0.1 $bport]
        fconfigure $fd -translation binary
        puts -nonewline $fd "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        flush $fd
        close $fd
        # A valid signature with bogus lengths and types.
        foreach pkt [list \
            "RCmb[binary format I 100]" \
            "RCmb[binary format ISSSS 2256 1 6379 0 50][string repeat \x00 2244]" \
            "RCmb[binary format ISSSS 2296 1 6379 3 0][string repeat \xff 2284]" \
            "RCmb[binary format ISSSS 2264 1 6379 4 0][string repeat \xff 2252]" \
            "RCmb[binary format ISSSS 2256 1 6379 77 0][string repeat \x00 2244]" \
            "RCmb[binary format I 4000000000][string repeat \x01 5000]"] {
            set fd [socket 127.0.0.1 $bport]
            fconfigure $fd -translation binary
            catch {puts -nonewline $fd $pkt; flush $fd}
            catch {close $fd}
        }
        # A MEET from nowhere with a truncated extension.
        set fd [socket 127.0.0.1 $bport]
        fconfigure $fd -translation binary
        set hdr "RCmb[binary format ISSSS 2264 1 1 2 0][string repeat \x00 24][string repeat a 40]"
        append hdr [string repeat \x00 [expr {2214 - [string length $hdr]}]]
        append hdr [binary format S 1][string repeat \x00 30][binary format SSSccc 0 2 1 0 4 0 0]
        append hdr [binary format ISS 64 0 0]
        catch {puts -nonewline $fd $hdr; flush $fd}
        catch {close $fd}
        assert_equal PONG [R 2 ping]
        assert_equal 3 [llength [split [string trim [R 2 cluster nodes]] \n]]
        wait_for_log_messages [cluster_level 2] {"*Bad message length or signature*"} 0 50 100
    }

    test {A stopped master becomes PFAIL then FAIL on the others} {
        # SIGSTOP: the node is gone for the bus like a killed one, but keeps
        # its ports, so it can come back without racing other test runs.
        set victim [R 2 cluster myid]
        set pid [srv [cluster_level 2] pid]
        exec kill -STOP $pid
        wait_for_condition 100 50 {
            [string match "*fail*" [cluster_flags_of 0 $victim]] &&
            [string match "*fail*" [cluster_flags_of 1 $victim]]
        } else {
            exec kill -CONT $pid
            fail "stopped node not flagged"
        }
        wait_for_condition 100 100 {
            [cluster_flags_of 0 $victim] eq "master,fail" &&
            [cluster_flags_of 1 $victim] eq "master,fail"
        } else {
            exec kill -CONT $pid
            fail "stopped node not FAIL: [cluster_flags_of 0 $victim] / [cluster_flags_of 1 $victim]"
        }
        wait_for_condition 50 100 {[string match "*cluster_state:fail*" [R 0 cluster info]]} else {
            exec kill -CONT $pid
            fail "cluster still ok with a third of the slots lost"
        }
        assert_error {CLUSTERDOWN The cluster is down} {R 0 get foo}
        R 0 config set cluster-allow-reads-when-down yes
        assert_error {CLUSTERDOWN The cluster is down and only accepts read commands} {R 0 set foo 1}
        R 0 config set cluster-allow-reads-when-down no
        # Back on the bus: the FAIL flag goes away (a master with slots
        # after 2 x node timeout) and the cluster is ok again.
        exec kill -CONT $pid
        wait_for_condition 150 100 {
            [cluster_flags_of 0 $victim] eq "master" && [cluster_flags_of 1 $victim] eq "master"
        } else {
            fail "resumed node still [cluster_flags_of 0 $victim]"
        }
        cluster_wait_ok 3
    }

    test {A restarted node reloads its own nodes.conf} {
        set id [R 1 cluster myid]
        set conf [R 1 cluster nodes]
        R 1 cluster saveconfig
        set fd [open [file join [srv [cluster_level 1] dir] nodes.conf] r]
        set data [read $fd]
        close $fd
        assert_match "*$id *myself,master*" $data
        assert_match "*\nvars currentEpoch * lastVoteEpoch 0\n" $data
        if {[catch {restart_server [cluster_level 1]} e]} {
            skip "could not restart on the same port (shared machine): $e"
        }
        cluster_forget_client 1
        assert_equal $id [R 1 cluster myid]
        cluster_wait_ok 3
        wait_for_condition 100 100 {[cluster_views_agree 3]} else {
            fail "views differ after the restart"
        }
    }
}
