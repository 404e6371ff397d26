# Starting, querying and stopping server instances for the tests.
#
# ::servers is a stack (innermost last) of dicts describing running servers:
#   host port pid dir stdout stderr config_file binary cmdline client clients

set ::servers {}
set ::server_seq 0
set ::crash_markers {
    "*crashed by signal*"
    "*ASSERTION FAILED*"
    "*AddressSanitizer*"
    "*LeakSanitizer*"
    "*runtime error:*"
    "*REDIS BUG REPORT START*"
}

# ---------------------------------------------------------------- ports

proc port_is_free {port} {
    if {$port <= 0 || $port > 65535} {return 0}
    if {[catch {socket -server port_probe_accept -myaddr 127.0.0.1 $port} s]} {
        return 0
    }
    close $s
    return 1
}
proc port_probe_accept {args} {}

# Next free port of this worker's range (the cluster bus port, +10000, must
# be free too). Ports are handed out round robin inside the range.
proc find_available_port {} {
    for {set i 0} {$i < $::port_count} {incr i} {
        set port [expr {$::base_port + $::port_cursor}]
        set ::port_cursor [expr {($::port_cursor + 1) % $::port_count}]
        if {[port_is_free $port] && [port_is_free [expr {$port + 10000}]]} {
            return $port
        }
    }
    error "no free port in range $::base_port..[expr {$::base_port + $::port_count - 1}]"
}

# ---------------------------------------------------------------- accessors

proc server_index {level} {
    if {![string is integer -strict $level] || $level > 0} {
        error "bad server level '$level' (use 0, -1, -2 ...)"
    }
    set idx [expr {[llength $::servers] - 1 + $level}]
    if {$idx < 0} {error "no server at level $level"}
    return $idx
}

# srv ?level? property
proc srv {args} {
    if {[llength $args] == 1} {
        set level 0
        set prop [lindex $args 0]
    } elseif {[llength $args] == 2} {
        lassign $args level prop
    } else {
        error "usage: srv ?level? property"
    }
    set info [lindex $::servers [server_index $level]]
    if {$prop eq "client"} {
        return [server_client $level]
    }
    if {![dict exists $info $prop]} {
        error "server property '$prop' unknown"
    }
    return [dict get $info $prop]
}

proc server_set {level key value} {
    set idx [server_index $level]
    set info [lindex $::servers $idx]
    dict set info $key $value
    lset ::servers $idx $info
}

# The shared client used by 'r'; reconnects if its connection went away.
proc server_client {level} {
    set info [lindex $::servers [server_index $level]]
    set c [dict get $info client]
    if {$c eq {} || ![::redis::is_open $c]} {
        if {$c ne {}} {catch {$c close}}
        set c [redis [dict get $info host] [dict get $info port]]
        server_set $level client $c
    }
    return $c
}

# r ?level? command args...
proc r {args} {
    set level 0
    if {[string is integer -strict [lindex $args 0]]} {
        set level [lindex $args 0]
        set args [lrange $args 1 end]
    }
    set c [server_client $level]
    tailcall $c {*}$args
}

# A new client to the server at the given level; closed with the server.
proc redis_client {{level 0}} {
    set c [redis [srv $level host] [srv $level port]]
    set idx [server_index $level]
    set info [lindex $::servers $idx]
    dict lappend info clients $c
    lset ::servers $idx $info
    return $c
}

proc redis_deferring_client {{level 0}} {
    set c [redis_client $level]
    $c deferred 1
    return $c
}

# ---------------------------------------------------------------- config

proc config_set_directive {cfgvar directive value} {
    upvar 1 $cfgvar cfg
    set out {}
    foreach item $cfg {
        if {![string equal -nocase [lindex $item 0] $directive]} {
            lappend out $item
        }
    }
    lappend out [list $directive $value]
    set cfg $out
}

proc resolve_config_path {path} {
    foreach p [list $path [file join $::tests_root $path] \
                   [file join $::tests_root assets $path]] {
        if {[file isfile $p]} {return [file normalize $p]}
    }
    error "config file '$path' not found"
}

proc write_config {file cfg} {
    set fd [open $file w]
    foreach item $cfg {
        lassign $item directive value
        if {$value eq {}} {set value {""}}
        puts $fd "$directive $value"
    }
    close $fd
}

# ---------------------------------------------------------------- lifecycle

proc log_tail {file {n 30}} {
    if {[catch {open $file r} fd]} {return ""}
    fconfigure $fd -translation binary
    set lines [split [string trimright [read $fd] \n] \n]
    close $fd
    return [join [lrange $lines end-[expr {$n - 1}] end] \n]
}

# Spawn the server described by $info and wait until it answers PING.
# Returns the pid. Raises an error (with the log tail) on failure.
proc spawn_server {info} {
    set stdout [dict get $info stdout]
    set stderr [dict get $info stderr]
    set cmd [concat [list [dict get $info binary] [dict get $info config_file]] \
                 [dict get $info args]]
    if {[catch {exec {*}$cmd >>$stdout 2>>$stderr </dev/null &} pid]} {
        error "cannot start [dict get $info binary]: $pid"
    }
    report server $pid
    set host [dict get $info host]
    set port [dict get $info port]
    set deadline [expr {[clock milliseconds] + $::startup_timeout * 1000}]
    set delay 2
    while 1 {
        if {![process_is_alive $pid]} {
            report serverdown $pid
            return -code error -errorcode [list SERVER_DIED $pid] \
                "server exited during startup"
        }
        if {![catch {socket $host $port} s]} {
            fconfigure $s -translation binary -blocking 1
            set ok 0
            if {![catch {
                puts -nonewline $s "*3\r\n\$4\r\nINFO\r\n\$6\r\nserver\r\n\$11\r\npersistence\r\n"
                flush $s
                gets $s line
            }]} {
                # Any reply but LOADING means the server is serving
                # (e.g. NOAUTH when a password is configured). INFO itself
                # is allowed while loading, so its loading field counts
                # too. When INFO answers, it must be our process: on a
                # shared machine another test run may own the port we lost
                # a race for.
                set loading_ok [expr {[dict exists $info accept_loading] &&
                                      [dict get $info accept_loading]}]
                if {$line ne {} && (![string match "-LOADING*" $line] || $loading_ok)} {
                    set ok 1
                    if {[string index $line 0] eq "\$" &&
                        ![catch {read $s [expr {[string range $line 1 end-1] + 2}]} body]} {
                        if {[regexp {process_id:(\d+)} $body -> rpid] && $rpid != $pid} {
                            set ok 0
                        }
                        if {!$loading_ok && [regexp {\nloading:1} $body]} {set ok 0}
                    }
                }
            }
            # Another test suite's server may hold the port (ours then
            # failed to bind): only our own process counts as started.
            if {$ok && ![server_answering_is $s $pid]} {set ok 0}
            close $s
            if {$ok} {return $pid}
        }
        if {[clock milliseconds] > $deadline} {
            kill_process $pid
            error "server did not answer PING within $::startup_timeout s"
        }
        after $delay
        if {$delay < 20} {set delay [expr {$delay * 2}]}
    }
}

# True unless the server on socket s reports a process id other than pid
# (errors such as NOAUTH cannot tell: they count as ours).
proc server_answering_is {s pid} {
    if {[catch {
        puts -nonewline $s "*2\r\n\$4\r\nINFO\r\n\$6\r\nserver\r\n"
        flush $s
        gets $s line
    }]} {return 1}
    if {![regexp {^\$(\d+)} $line -> len]} {return 1}
    set body [read $s [expr {$len + 2}]]
    if {[regexp {process_id:(\d+)} $body -> reported]} {return [expr {$reported == $pid}]}
    return 1
}

# SIGTERM, bounded wait, then SIGKILL.
proc kill_process {pid} {
    if {![process_is_alive $pid]} {report serverdown $pid; return}
    catch {exec kill -TERM $pid}
    set deadline [expr {[clock milliseconds] + $::shutdown_timeout * 1000}]
    while {[process_is_alive $pid] && [clock milliseconds] < $deadline} {
        after 5
    }
    if {[process_is_alive $pid]} {
        catch {exec kill -KILL $pid}
        while {[process_is_alive $pid]} {after 5}
    }
    report serverdown $pid
}

proc crash_marker_line {line} {
    foreach m $::crash_markers {
        if {[string match $m $line]} {return 1}
    }
    return 0
}

# Return crash evidence found in the server logs, or "".
proc check_crash_logs {info} {
    set found {}
    foreach f [list [dict get $info stdout] [dict get $info stderr]] {
        if {[catch {open $f r} fd]} continue
        fconfigure $fd -translation binary
        set lines [split [read $fd] \n]
        close $fd
        set i 0
        foreach line $lines {
            if {[crash_marker_line $line]} {
                set from [expr {max(0, $i - 5)}]
                lappend found "--- $f:\n[join [lrange $lines $from [expr {$i + 40}]] \n]"
                break
            }
            incr i
        }
    }
    return [join $found \n]
}

proc close_server_clients {info} {
    foreach c [concat [list [dict get $info client]] [dict get $info clients]] {
        if {$c ne {}} {catch {$c close}}
    }
}

# start_server {options} {code}
#   tags {t ...}              tags for every test inside
#   overrides {dir val ...}   config directives (override the defaults)
#   config file               base config file (path, or relative to tests/ or tests/assets/)
#   args {...}                extra command line arguments
#   binary path               server executable (default: --server / $REDIS_SERVER_BINARY / src/redis-server)
#   keep_persistence bool     keep the server directory at the end
proc start_server {options {code {}}} {
    set tags {}
    set overrides {}
    set base_config {}
    set extra_args {}
    set binary $::server_binary
    set keep 0
    if {[llength $options] % 2} {error "start_server: options must be key value pairs"}
    foreach {k v} $options {
        switch -exact -- $k {
            tags {set tags $v}
            overrides {set overrides $v}
            config {set base_config $v}
            args {set extra_args $v}
            binary {set binary $v}
            keep_persistence {set keep [string is true -strict $v]}
            default {error "start_server: unknown option '$k'"}
        }
    }
    if {[llength $overrides] % 2} {error "start_server: overrides must be directive value pairs"}

    # Skip the whole block (no server started) if a tag is excluded.
    if {![tags_not_excluded [concat $::tags $tags]]} {
        return
    }

    set dir [file join $::tests_root tmp "server.[pid].[incr ::server_seq]"]
    file mkdir $dir
    set dir [file normalize $dir]

    set cfg {}
    lappend cfg [list bind 127.0.0.1]
    lappend cfg [list daemonize no]
    lappend cfg [list logfile {}]
    lappend cfg [list save {}]
    lappend cfg [list appendonly no]
    lappend cfg [list enable-debug-command yes]
    lappend cfg [list enable-protected-configs yes]
    lappend cfg [list enable-module-command yes]
    if {$base_config ne {}} {
        set fd [open [resolve_config_path $base_config] r]
        foreach line [split [read $fd] \n] {
            set line [string trim $line]
            if {$line eq {} || [string index $line 0] eq "#"} continue
            regexp {^(\S+)\s*(.*)$} $line -> d v
            config_set_directive cfg $d $v
        }
        close $fd
    }
    config_set_directive cfg dir $dir
    set fixed_port 0
    foreach {d v} $overrides {
        config_set_directive cfg $d $v
        if {[string equal -nocase $d port]} {set fixed_port $v}
    }

    set info [dict create host 127.0.0.1 port 0 pid 0 dir $dir \
                  stdout [file join $dir stdout.log] \
                  stderr [file join $dir stderr.log] \
                  config_file [file join $dir redis.conf] \
                  binary $binary args $extra_args client {} clients {} \
                  overrides $overrides]

    # Start it, retrying with another port if we lost a race for the port.
    set attempts 0
    while 1 {
        set port [expr {$fixed_port ? $fixed_port : [find_available_port]}]
        config_set_directive cfg port $port
        write_config [dict get $info config_file] $cfg
        dict set info port $port
        if {![catch {spawn_server $info} pid opts]} break
        set logs "[log_tail [dict get $info stdout]]\n[log_tail [dict get $info stderr]]"
        if {!$fixed_port && [incr attempts] < 3 &&
            [string match "*ddress already in use*" $logs]} {
            continue
        }
        set msg "start_server failed ($binary, port $port, dir $dir): $pid"
        set logs [string trim $logs]
        if {$logs ne {}} {append msg "\n--- server log tail:\n$logs"}
        if {$::current_test ne {}} {
            # Inside a test: that test fails.
            return -code error -errorcode START_SERVER_FAILED $msg
        }
        # At file level: report it, skip this block, go on with the file.
        test_failed "start_server [list $options]" $msg
        return
    }
    dict set info pid $pid

    if {$code eq {}} {
        # Caller manages the lifetime (see stop_server).
        lappend ::servers $info
        return $info
    }

    set saved_tags $::tags
    set ::tags [concat $::tags $tags]
    set failed_before $::num_failed
    lappend ::servers $info

    set rc [catch {uplevel 1 $code} res opts]

    set ::tags $saved_tags
    set info [lindex $::servers end]
    set ::servers [lrange $::servers 0 end-1]
    stop_server_info $info $failed_before $keep
    return -options $opts $res
}

# Kill the server, check its logs for crashes, clean up its directory.
proc stop_server_info {info failed_before keep} {
    close_server_clients $info
    kill_process [dict get $info pid]
    set crash [check_crash_logs $info]
    if {$crash ne {}} {
        test_failed "server crash detected ([dict get $info binary], port [dict get $info port])" $crash
    }
    if {$::num_failed == $failed_before && !$keep && !$::dont_clean} {
        catch {file delete -force [dict get $info dir]}
    }
}

# For servers started with start_server without a code block.
proc stop_server {{level 0}} {
    set idx [server_index $level]
    set info [lindex $::servers $idx]
    set ::servers [lreplace $::servers $idx $idx]
    stop_server_info $info $::num_failed 0
}

# Restart the server at $level with the same configuration and port.
proc restart_server {{level 0} {wait_ready 1}} {
    set info [lindex $::servers [server_index $level]]
    close_server_clients $info
    kill_process [dict get $info pid]
    set crash [check_crash_logs $info]
    if {$crash ne {}} {
        test_failed "server crash detected before restart" $crash
    }
    # wait_ready 0: return as soon as the server answers, even -LOADING.
    dict set info accept_loading [expr {!$wait_ready}]
    set pid [spawn_server $info]
    server_set $level pid $pid
    server_set $level client {}
    server_set $level clients {}
    return $pid
}

# Run code with n nested servers started with the same options.
proc start_multiple_servers {num options code} {
    if {$num <= 0} {
        return [uplevel 1 $code]
    }
    uplevel 1 [list start_server $options \
                   [list start_multiple_servers [expr {$num - 1}] $options $code]]
}
