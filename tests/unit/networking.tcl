# Listeners and connection limits: bind lists (IPv4/IPv6), unix sockets,
# port 0, maxclients, idle timeout, protected mode, SHUTDOWN.

proc try_connect {host port} {
    if {[catch {set fd [socket $host $port]} err]} {return {}}
    return $fd
}

# Read whatever the server sends on fd within ms milliseconds.
proc read_for {fd ms} {
    fconfigure $fd -blocking 0 -translation binary
    set out {}
    set deadline [expr {[clock milliseconds] + $ms}]
    while {[clock milliseconds] < $deadline} {
        append out [read $fd]
        if {[eof $fd]} break
        after 5
    }
    return $out
}

start_server {tags {networking}} {
    test {maxclients refuses the extra client with Redis's error} {
        r config set maxclients 3
        set c1 [redis_client]
        set c2 [redis_client]
        $c1 ping
        $c2 ping
        set fd [socket [srv 0 host] [srv 0 port]]
        set reply [read_for $fd 1000]
        close $fd
        $c1 close
        $c2 close
        r config set maxclients 10000
        assert_equal "-ERR max number of clients reached\r\n" $reply
    }

    test {protected mode refuses non-loopback clients without a password} {
        # 127.0.0.2 is not "loopback" for protected mode (only 127.0.0.1
        # and ::1 are), which lets us test this without another host.
        set fd [socket -myaddr 127.0.0.2 [srv 0 host] [srv 0 port]]
        set reply [read_for $fd 1000]
        close $fd
        assert_match "-DENIED Redis is running in protected mode*" $reply
    }
}

# The first line a client connecting from 127.0.0.2 gets for PING.
proc protected_probe {level} {
    set fd [socket -myaddr 127.0.0.2 [srv $level host] [srv $level port]]
    puts -nonewline $fd "PING\r\n"
    flush $fd
    set reply [read_for $fd 300]
    close $fd
    return [lindex [split $reply "\r"] 0]
}

# Protected mode follows the default user's nopass flag, whichever way it
# was set (requirepass, ACL SETUSER): compared with stock.
start_server [list tags {networking} binary /usr/bin/redis-server] {
    start_server {tags {networking}} {
        test {protected mode follows the default user's nopass flag, as stock} {
            set steps {
                {acl setuser default >pw}
                {acl setuser default nopass}
                {config set requirepass abc}
                {acl setuser default nopass}
            }
            set seen {}
            foreach step $steps {
                foreach level {0 -1} {
                    set c [redis_client $level]
                    catch {$c auth pw}
                    catch {$c auth abc}
                    $c {*}$step
                    $c close
                }
                set ours [protected_probe 0]
                set stock [protected_probe -1]
                assert_equal $stock $ours
                lappend seen [lindex [split $ours] 0]
            }
            assert_equal {-NOAUTH -DENIED -NOAUTH -DENIED} $seen
        }
    }
}

start_server {tags {networking} overrides {protected-mode no}} {
    test {protected mode off lets other addresses in} {
        set fd [socket -myaddr 127.0.0.2 [srv 0 host] [srv 0 port]]
        puts -nonewline $fd "PING\r\n"
        flush $fd
        set reply [read_for $fd 300]
        close $fd
        assert_equal "+PONG\r\n" $reply
    }
}

set sockpath [file normalize [file join $::tests_root tmp "redis.[pid].sock"]]
start_server [list tags {networking} overrides [list unixsocket $sockpath unixsocketperm 700]] {
    test {unix socket accepts clients and reports them as such} {
        set out [exec redis-cli -s $sockpath client info]
        assert_match "*addr=$sockpath:0*flags=U*" $out
        assert_equal PONG [exec redis-cli -s $sockpath ping]
    }
    test {unixsocketperm is applied} {
        file stat $sockpath st
        assert_equal 0700 [format %04o [expr {$st(mode) & 0777}]]
    }
}

# port 0 can't go through start_server (it waits on TCP): start it by hand.
tags {networking} {
    test {port 0 disables TCP} {
        set dir [file join $::tests_root tmp "port0.[pid]"]
        file mkdir $dir
        set pid [exec $::server_binary --port 0 --unixsocket $sockpath --dir $dir \
                     --save "" --logfile [file join $dir log] &]
        wait_for_condition 100 20 {
            ![catch {exec redis-cli -s $sockpath ping}]
        } else {
            catch {exec kill -9 $pid}
            fail "server on a unix socket only did not start"
        }
        assert_equal "port\n0" [exec redis-cli -s $sockpath config get port]
        catch {exec redis-cli -s $sockpath shutdown nosave}
        wait_for_condition 100 20 {[catch {exec kill -0 $pid}]} else {exec kill -9 $pid}
        file delete -force $dir
    }
}

start_server {tags {networking} overrides {bind {127.0.0.1 ::1}}} {
    test {IPv4 and IPv6 listeners from the bind list} {
        assert_equal PONG [exec redis-cli -h 127.0.0.1 -p [srv 0 port] ping]
        if {![catch {socket ::1 [srv 0 port]} fd]} {
            close $fd
            assert_equal PONG [exec redis-cli -h ::1 -p [srv 0 port] ping]
        }
    }
}

start_server {tags {networking} overrides {timeout 1}} {
    # A fresh connection that sends nothing, waited on until the server
    # closes it for being idle.
    proc wait_idle_connection_closed {} {
        set fd [socket [srv 0 host] [srv 0 port]]
        fconfigure $fd -blocking 0
        wait_for_condition 100 50 {
            [catch {read $fd; eof $fd} closed] || $closed
        } else {
            fail "idle client not closed"
        }
        close $fd
    }

    test {idle clients are closed after timeout} {
        wait_idle_connection_closed
    }

    test {timeout spares subscribers and blocked clients} {
        # As stock: only clients that could send a command are idle.
        set sub [redis_deferring_client]
        $sub subscribe chan
        assert_equal {subscribe chan 1} [$sub read]
        set blocked [redis_deferring_client]
        $blocked blpop nolist 0
        wait_idle_connection_closed
        # The cron ran past the timeout: the other two are still there.
        wait_for_condition 100 50 {[s 0 blocked_clients] == 1} else {
            fail "blocked client was closed"
        }
        assert_equal {chan 1} [r pubsub numsub chan]
        r lpush nolist x
        assert_equal {nolist x} [$blocked read]
        $sub close
        $blocked close
    }
}

# The socket options of a listener and an accepted client, as ss shows them
# (ss is in iproute2, one of the test dependencies).
proc ss_line {args} {
    return [string trim [exec ss -tnoH {*}$args]]
}

start_server {tags {networking} overrides {tcp-backlog 97}} {
    test {tcp-backlog sizes the listen queue} {
        # For a listener ss shows the backlog as Send-Q (capped by somaxconn).
        set line [ss_line -l "( sport = :[srv 0 port] )"]
        assert_match "LISTEN 0 *97 *" [lindex [split $line \n] 0]
    }

    test {tcp-keepalive: accepted clients get keepalive probes} {
        r ping
        set line [ss_line state established "( sport = :[srv 0 port] )"]
        assert_match "*timer:(keepalive,*" $line
    }
}

start_server {tags {networking} overrides {tcp-keepalive 0}} {
    test {tcp-keepalive 0 leaves keepalive off} {
        r ping
        set line [ss_line state established "( sport = :[srv 0 port] )"]
        assert_no_match "*keepalive*" $line
    }
}

start_server {tags {networking}} {
    test {SHUTDOWN NOSAVE stops the server} {
        set pid [srv 0 pid]
        catch {r shutdown nosave}
        wait_for_condition 100 20 {
            [catch {exec kill -0 $pid}]
        } else {
            fail "server still running after SHUTDOWN"
        }
    }
}

start_server {tags {networking}} {
    test {SIGTERM shuts down gracefully with the usual log lines} {
        set pid [srv 0 pid]
        exec kill -TERM $pid
        wait_for_condition 100 20 {
            [catch {exec kill -0 $pid}]
        } else {
            fail "server still running after SIGTERM"
        }
        set log [read [set f [open [srv 0 stdout]]]]
        close $f
        assert_match "*Received SIGTERM scheduling shutdown...*" $log
        assert_match "*ready to exit, bye bye...*" $log
    }
}

tags {networking} {
    test {daemonize, pidfile and logfile with Redis's log line format} {
        set dir [file normalize [file join $::tests_root tmp "daemon.[pid]"]]
        file mkdir $dir
        set port [find_available_port]
        set pidfile [file join $dir redis.pid]
        set logfile [file join $dir redis.log]
        exec $::server_binary --port $port --bind 127.0.0.1 --daemonize yes \
            --pidfile $pidfile --logfile $logfile --dir $dir --save ""
        wait_for_condition 100 20 {
            [file exists $pidfile] && ![catch {exec redis-cli -p $port ping}]
        } else {
            fail "daemonized server did not come up"
        }
        set fh [open $pidfile]
        set pid [string trim [read $fh]]
        close $fh
        assert {[string is integer -strict $pid]}
        catch {exec redis-cli -p $port shutdown nosave}
        wait_for_condition 100 20 {[catch {exec kill -0 $pid}]} else {
            exec kill -9 $pid
            fail "daemon did not stop"
        }
        assert_equal 0 [file exists $pidfile]
        set fh [open $logfile]
        set lines [split [string trim [read $fh]] "\n"]
        close $fh
        foreach line $lines {
            assert {[regexp {^\d+:[MCS] \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.*#-] } $line]}
        }
        assert_match "*Ready to accept connections*" [join $lines "\n"]
        file delete -force $dir
    }
}

# A reply bigger than the normal class hard limit closes the client before
# any byte of it is sent, as in stock.
proc big_reply_bytes {host port} {
    set fd [socket $host $port]
    fconfigure $fd -translation binary -buffering none
    puts -nonewline $fd "KEYS *\r\n"
    flush $fd
    set data {}
    fconfigure $fd -blocking 1
    while {![eof $fd]} {
        append data [read $fd 65536]
    }
    close $fd
    return [string length $data]
}

start_server {tags {networking} binary /usr/bin/redis-server} {
    start_server {tags {networking}} {
        test {client-output-buffer-limit hard limit closes the client like stock} {
            foreach level {0 -1} {
                r $level config set client-output-buffer-limit "normal 100000 0 0"
                r $level debug populate 20000
            }
            set ours [big_reply_bytes [srv 0 host] [srv 0 port]]
            set stock [big_reply_bytes [srv -1 host] [srv -1 port]]
            assert_equal $stock $ours
            assert_equal 0 $ours
            foreach level {0 -1} {
                r $level config set client-output-buffer-limit "normal 0 0 0"
            }
            assert_equal PONG [r ping]
        }
    }
}
