# Protocol handling: malformed input gets Redis's exact "Protocol error"
# reply and the connection is closed (compared with a stock server), big
# and split requests work, and random garbage never hurts the server.
source [file join $::tests_root support diff.tcl]

# Send raw bytes on a fresh connection and return everything the server
# writes back until it closes the connection (or 2s pass).
proc raw_exchange {host port payload} {
    set fd [socket $host $port]
    fconfigure $fd -translation binary -buffering none -blocking 1
    puts -nonewline $fd $payload
    flush $fd
    fconfigure $fd -blocking 0
    set out {}
    set deadline [expr {[clock milliseconds] + 2000}]
    while {[clock milliseconds] < $deadline} {
        append out [read $fd]
        if {[eof $fd]} {
            close $fd
            return [list $out closed]
        }
        after 5
    }
    close $fd
    return [list $out open]
}

set malformed {
    "*abc\r\n"
    "*3000000000\r\n"
    "*1\r\nx3\r\n"
    "*1\r\n\$-1\r\n"
    "*1\r\n\$abc\r\n"
    "*1\r\n\$600000000\r\n"
    "set \"a\r\n"
    "*2\r\n\$4\r\nPING\r\n*1\r\n"
    "PING\r\n*1\r\nx\r\n"
    "*20\r\n"
}

start_server {tags {protocol} binary /usr/bin/redis-server} {
    start_server {tags {protocol}} {
        set i 0
        foreach payload $malformed {
            incr i
            test "malformed request $i gets the stock reply and closes" {
                set ours [raw_exchange [srv 0 host] [srv 0 port] [subst -nocommands -novariables $payload]]
                set stock [raw_exchange [srv -1 host] [srv -1 port] [subst -nocommands -novariables $payload]]
                assert_equal $stock $ours
            }
        }

        test {unauthenticated limits apply only with requirepass} {
            r config set requirepass secret
            r -1 config set requirepass secret
            set ours [raw_exchange [srv 0 host] [srv 0 port] "*11\r\n"]
            set stock [raw_exchange [srv -1 host] [srv -1 port] "*11\r\n"]
            assert_equal $stock $ours
            set ours [raw_exchange [srv 0 host] [srv 0 port] "*1\r\n\$20000\r\n"]
            set stock [raw_exchange [srv -1 host] [srv -1 port] "*1\r\n\$20000\r\n"]
            assert_equal $stock $ours
            r auth secret
            r config set requirepass ""
            r -1 auth secret
            r -1 config set requirepass ""
        }

        test {too big inline request} {
            set big "GET [string repeat a 70000]"
            set ours [raw_exchange [srv 0 host] [srv 0 port] $big]
            set stock [raw_exchange [srv -1 host] [srv -1 port] $big]
            assert_equal $stock $ours
        }

        test {a NUL byte hides the rest of an inline line or count header} {
            # Stock scans request lines with strchr(): after a NUL it sees no
            # line end, answers nothing and waits until the 64KB limit.
            set pad [string repeat a 70000]
            foreach payload [list "PING\x00x\r\nPING\r\n$pad" \
                                  "*1\x00\r\n\$4\r\nPING\r\n$pad" \
                                  "*1\r\n\$4\x00\r\nPING\r\n$pad" \
                                  "PING\r\n\x00\r\nPING\r\n$pad"] {
                set ours [raw_exchange [srv 0 host] [srv 0 port] $payload]
                set stock [raw_exchange [srv -1 host] [srv -1 port] $payload]
                assert_equal $stock $ours
            }
        }

        test {POST and Host: are treated as attacks} {
            set ours [raw_exchange [srv 0 host] [srv 0 port] "POST / HTTP/1.1\r\nHost: x\r\n\r\n"]
            set stock [raw_exchange [srv -1 host] [srv -1 port] "POST / HTTP/1.1\r\nHost: x\r\n\r\n"]
            assert_equal $stock $ours
        }

        test {inline commands and empty lines} {
            set ours [raw_exchange [srv 0 host] [srv 0 port] "\r\n\r\nPING\r\nECHO \"a b\"\r\nQUIT\r\n"]
            set stock [raw_exchange [srv -1 host] [srv -1 port] "\r\n\r\nPING\r\nECHO \"a b\"\r\nQUIT\r\n"]
            assert_equal $stock $ours
        }

        test {pipelined commands split at every byte} {
            set req ""
            for {set j 0} {$j < 50} {incr j} {
                append req [diff_encode [list set key$j [string repeat x $j]]]
                append req [diff_encode [list get key$j]]
            }
            set fd [socket [srv 0 host] [srv 0 port]]
            fconfigure $fd -translation binary -buffering none
            foreach ch [split $req {}] {
                puts -nonewline $fd $ch
                flush $fd
            }
            for {set j 0} {$j < 50} {incr j} {
                assert_equal "+OK\r\n" [diff_read_reply $fd]
                assert_equal "\$$j\r\n[string repeat x $j]\r\n" [diff_read_reply $fd]
            }
            close $fd
        }

        test {big bulk argument (10MB) round trip} {
            set v [string repeat abcdefghij 1000000]
            r set big $v
            assert_equal 10000000 [r strlen big]
            assert_equal $v [r get big]
        }

        test {proto-max-bulk-len is enforced} {
            r config set proto-max-bulk-len 1048576
            set ours [raw_exchange [srv 0 host] [srv 0 port] "*2\r\n\$3\r\nGET\r\n\$1048577\r\n"]
            assert_match "-ERR Protocol error: invalid bulk length*" [lindex $ours 0]
            r config set proto-max-bulk-len 536870912
        }

        test {client-query-buffer-limit closes the client} {
            r config set client-query-buffer-limit 1048576
            set fd [socket [srv 0 host] [srv 0 port]]
            fconfigure $fd -translation binary -buffering none
            # A bulk that never completes: the buffer grows past the limit.
            catch {
                puts -nonewline $fd "*2\r\n\$3\r\nSET\r\n\$5000000\r\n"
                for {set j 0} {$j < 30} {incr j} {
                    puts -nonewline $fd [string repeat x 100000]
                    flush $fd
                }
            }
            wait_for_condition 100 20 {
                [catch {fconfigure $fd -blocking 0; read $fd; eof $fd} e] || $e
            } else {
                fail "client over the query buffer limit was not closed"
            }
            catch {close $fd}
            r config set client-query-buffer-limit 1073741824
            assert_equal PONG [r ping]
        }

        test {random garbage never crashes the server} {
            expr {srand(42)}
            set alphabet [split "*\$\r\n0123456789-+:abcXYZ \"'\\\x00\xff" {}]
            set n [llength $alphabet]
            for {set iter 0} {$iter < 300} {incr iter} {
                set len [expr {int(rand() * 200)}]
                set payload {}
                for {set j 0} {$j < $len} {incr j} {
                    append payload [lindex $alphabet [expr {int(rand() * $n)}]]
                }
                set fd [socket [srv 0 host] [srv 0 port]]
                fconfigure $fd -translation binary -buffering none
                catch {puts -nonewline $fd $payload; flush $fd}
                close $fd
            }
            assert_equal PONG [r ping]
        }
    }
}
