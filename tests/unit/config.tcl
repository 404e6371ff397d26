# Configuration tests, differential wherever possible: a stock redis-server
# 7.0.15 runs next to ours and both must agree on CONFIG GET (names,
# defaults, globs), CONFIG SET (values and the exact error replies), the
# atomicity of multi-pair CONFIG SET, CONFIG REWRITE output, CONFIG
# RESETSTAT, fatal start-up errors, and the ways of passing configuration
# (file, include, quoting, units, command line, stdin).

set ::stock_binary /usr/bin/redis-server

# Values that depend on how and where a server was started, not on defaults.
set ::cfg_env_names {port dir pidfile logfile unixsocket bind daemonize save
    appendonly enable-debug-command enable-protected-configs
    enable-module-command}

# Directives stock 7.0.15 does not have, by design: the NAT-aware cluster
# bus (docs/nat.md). They show in CONFIG GET; nothing else may differ.
set ::cfg_our_extra_names {cluster-announce-internal-ip cluster-announce-internal-hostname}

# ------------------------------------------------------------------ helpers

# CONFIG GET as a dict.
proc cfg_dict {level args} {
    set d [dict create]
    foreach {k v} [r $level config get {*}$args] {dict set d $k $v}
    return $d
}

# Run a command, return its reply or "ERROR: <message>".
proc cfg_try {level args} {
    if {[catch {r $level {*}$args} res]} {return "ERROR: $res"}
    return $res
}

# The same command on both servers (ours is level 0, stock level -1); a
# mismatch is appended to the list variable $mismatches of the caller.
proc cfg_both {mismatchvar args} {
    upvar 1 $mismatchvar mismatches
    set ours [cfg_try 0 {*}$args]
    set stock [cfg_try -1 {*}$args]
    if {$ours ne $stock} {
        lappend mismatches "[list {*}$args]\n    ours:  $ours\n    stock: $stock"
    }
    return $ours
}

# Differences between two dicts, ignoring the keys in $ignore.
proc cfg_dict_diff {ours stock {ignore {}}} {
    set diffs {}
    dict for {k v} $stock {
        if {$k in $ignore} continue
        if {![dict exists $ours $k]} {
            lappend diffs "$k: missing in ours (stock '$v')"
        } elseif {[dict get $ours $k] ne $v} {
            lappend diffs "$k: ours '[dict get $ours $k]' stock '$v'"
        }
    }
    dict for {k v} $ours {
        if {$k ni $ignore && ![dict exists $stock $k]} {
            lappend diffs "$k: only in ours ('$v')"
        }
    }
    return $diffs
}

# A fresh scratch directory under tests/tmp, removed by cfg_cleanup.
set ::cfg_scratch {}
proc cfg_tmpdir {} {
    set dir [file normalize [file join $::tests_root tmp \
        "config.[pid].[incr ::cfg_tmpseq]"]]
    file mkdir $dir
    lappend ::cfg_scratch $dir
    return $dir
}
proc cfg_cleanup {} {
    if {!$::dont_clean} {
        foreach d $::cfg_scratch {catch {file delete -force $d}}
    }
    set ::cfg_scratch {}
}

proc cfg_write {path text} {
    set fh [open $path w]
    puts -nonewline $fh $text
    close $fh
}

proc cfg_read {path} {
    set fh [open $path]
    set text [read $fh]
    close $fh
    return $text
}

# Start a server process directly (not through start_server):
#   binary  the executable
#   first   leading arguments: a config file, "-" for stdin, or nothing
#   opts    more arguments, placed last
#   stdin   text fed to the standard input
# Port and directory are chosen here and passed right after $first.
# Returns a dict {pid port dir log client} once the server accepts
# connections. Stop it with cfg_stop (cfg_stop_all catches the ones a
# failed test left behind).
set ::cfg_spawned {}
proc cfg_spawn {binary first opts {stdin {}}} {
    set port [find_available_port]
    set dir [cfg_tmpdir]
    set log [file join $dir server.log]
    set cmd [list $binary {*}$first --port $port --dir $dir --logfile {} \
                 {*}$opts]
    set pid [exec {*}$cmd << $stdin >& $log &]
    lappend ::cfg_spawned $pid
    wait_for_condition 500 10 {
        ![process_is_alive $pid] || ![catch {
            set s [socket 127.0.0.1 $port]
            close $s
        }]
    } else {
        kill_process $pid
        fail "[file tail $binary] did not start: [log_tail $log]"
    }
    if {![process_is_alive $pid]} {
        fail "[file tail $binary] exited at start-up: [log_tail $log]"
    }
    set c [redis 127.0.0.1 $port]
    return [dict create pid $pid port $port dir $dir log $log client $c]
}

proc cfg_stop {srv} {
    catch {[dict get $srv client] shutdown nosave}
    catch {[dict get $srv client] close}
    kill_process [dict get $srv pid]
    set ::cfg_spawned [lsearch -all -inline -not $::cfg_spawned [dict get $srv pid]]
}

proc cfg_stop_all {} {
    foreach pid $::cfg_spawned {kill_process $pid}
    set ::cfg_spawned {}
    cfg_cleanup
}

# CONFIG GET through a cfg_spawn'ed server, as a dict.
proc cfg_spawned_dict {srv args} {
    set d [dict create]
    foreach {k v} [[dict get $srv client] config get {*}$args] {dict set d $k $v}
    return $d
}

proc cfg_no_accept {chan args} {close $chan}

# A rewritten file as {head tail}: the lines up to the rewrite signature,
# whose order matters, and the appended ones sorted (stock appends them in
# hash table order, which changes from run to run).
proc cfg_split_rewrite {text} {
    set at [string first "# Generated by CONFIG REWRITE" $text]
    if {$at < 0} {return [list $text {}]}
    return [list [string range $text 0 $at-1] \
                [lsort [split [string trim [string range $text $at end]] \n]]]
}

# Run a binary that must exit at once (a bad configuration). Returns
# {exit-status output}, with the log line prefixes (pid, time) and the
# scratch paths taken out so that two runs can be compared.
proc cfg_run_fail {binary args} {
    set stdin {}
    if {[lindex $args 0] eq "-stdin"} {
        set stdin [lindex $args 1]
        set args [lrange $args 2 end]
    }
    # timeout: a configuration wrongly accepted must not hang the test.
    set rc [catch {exec timeout 10 $binary {*}$args << $stdin 2>@1} out opts]
    set status 0
    if {$rc} {
        set code [dict get $opts -errorcode]
        if {[lindex $code 0] eq "CHILDSTATUS"} {set status [lindex $code 2]}
    }
    regsub -all -line {^\d+:[A-Z] \d\d \S+ \d{4} [\d:.]+ . } $out {} out
    foreach d $::cfg_scratch {set out [string map [list $d SCRATCH] $out]}
    return [list $status $out]
}

# ---------------------------------------------------------------- CONFIG GET

start_server [list tags {config} binary $::stock_binary \
                  overrides {enable-protected-configs no}] {
start_server {tags {config} overrides {enable-protected-configs no}} {

    test {CONFIG GET * has the same names and defaults as stock} {
        set diffs [cfg_dict_diff [cfg_dict 0 *] [cfg_dict -1 *] \
            [concat $::cfg_env_names $::cfg_our_extra_names]]
        assert_equal {} $diffs
        foreach name $::cfg_our_extra_names {
            assert_equal [list $name {}] [r config get $name]
        }
        # Sanity: the comparison really covered the table.
        assert_morethan [dict size [cfg_dict 0 *]] 180
    }

    test {Hidden directives: found by exact name only, same defaults} {
        set hidden {watchdog-period rdb-key-save-delay key-load-delay
                    use-exit-on-panic loading-process-events-interval-bytes}
        assert_equal {} [cfg_dict_diff [cfg_dict 0 {*}$hidden] [cfg_dict -1 {*}$hidden]]
        assert_equal 5 [dict size [cfg_dict 0 {*}$hidden]]
        foreach name $hidden {
            assert {![dict exists [cfg_dict 0 *] $name]}
        }
    }

    test {CONFIG GET with patterns and globs returns the same as stock} {
        set cases {
            {maxmemory} {MAXMEMORY} {maxmemory hz} {*max-*-entries*}
            {hz HZ hz} {slave* replica-read-only} {*} {?z} {[hm]z}
            {maxmemory*} {*MAX*} {nosuch} {nosuch* hz} {slave-read-only}
            {SLAVE-READ-ONLY} {*-ziplist-*} {h?ll*} {*policy *samples}
            {watchdog*} {tls-*} {*[0-9]*} {client-output-buffer-limit save}
            {bind notify-keyspace-events oom-score-adj-values}
            {lua-time-limit busy-reply-threshold}
        }
        set mismatches {}
        foreach patterns $cases {
            set ours [cfg_dict 0 {*}$patterns]
            set stock [cfg_dict -1 {*}$patterns]
            set d [cfg_dict_diff $ours $stock [concat {port dir pidfile logfile} $::cfg_our_extra_names]]
            if {$d ne {}} {lappend mismatches "$patterns: $d"}
        }
        assert_equal {} $mismatches
        # A name given exactly is echoed as typed; a glob gives table names.
        assert_equal {MAXMEMORY 0} [r config get MAXMEMORY]
        assert_equal {} [r config get nosuch]
    }

    test {CONFIG GET, HELP and argument errors match stock} {
        set mismatches {}
        cfg_both mismatches config get
        cfg_both mismatches config
        cfg_both mismatches config nosuch
        cfg_both mismatches config resetstat extra
        cfg_both mismatches config rewrite extra
        cfg_both mismatches config help
        cfg_both mismatches config help extra
        assert_equal {} $mismatches
    }

# ------------------------------------------------------------ CONFIG SET

    test {CONFIG SET / GET round trips for every kind of value, as stock} {
        # {directive value}: set on both servers, read back, compare.
        set cases {
            {activerehashing no} {replica-read-only NO} {slave-read-only yes}
            {lazyfree-lazy-user-del Yes}
            {maxmemory-samples 1} {maxmemory-samples 64} {active-expire-effort 10}
            {hz 600} {hz 0} {hz 100} {list-max-listpack-size -5}
            {list-max-ziplist-size 7} {slowlog-log-slower-than -1}
            {timeout 0} {maxclients 1000} {tcp-keepalive 2147483647}
            {repl-backlog-ttl 0} {stream-node-max-entries 0}
            {latency-monitor-threshold 9223372036854775807}
            {maxmemory 1gb} {maxmemory 2GB} {maxmemory 100k} {maxmemory 7kb}
            {maxmemory 5m} {maxmemory 3Mb} {maxmemory 1g} {maxmemory 0}
            {maxmemory 123b} {client-query-buffer-limit 1mb}
            {proto-max-bulk-len 1000000k} {hash-max-listpack-value 1kb}
            {hash-max-ziplist-value 70} {repl-backlog-size 3mb}
            {maxmemory-clients 10%} {maxmemory-clients 100%}
            {maxmemory-clients 0%} {maxmemory-clients 1mb}
            {maxmemory-clients 0} {active-defrag-ignore-bytes 1}
            {maxmemory-policy ALLKEYS-LRU} {maxmemory-policy volatile-ttl}
            {loglevel warning} {loglevel Debug} {appendfsync always}
            {repl-diskless-load swapdb} {sanitize-dump-payload clients}
            {acl-pubsub-default allchannels} {oom-score-adj yes}
            {oom-score-adj relative} {oom-score-adj no}
            {cluster-preferred-endpoint-type unknown-endpoint}
            {propagation-error-behavior panic-on-replicas}
            {shutdown-on-sigterm {nosave now}} {shutdown-on-sigint {now save force}}
            {shutdown-on-sigint default} {shutdown-on-sigterm {default now}}
            {masteruser someone} {masteruser {}} {replica-announce-ip 1.2.3.4}
            {slave-announce-ip {}} {proc-title-template {{title} {port} {{x}}}}
            {cluster-announce-hostname host.example} {ignore-warnings ARM64-COW-BUG}
            {bind-source-addr 127.0.0.1} {bind-source-addr {}}
            {save {100 10 200 20}} {save {}} {save {3600 1}}
            {client-output-buffer-limit {normal 1mb 2mb 30 pubsub 0 0 0}}
            {client-output-buffer-limit {replica 1gb 1kb 5}}
            {client-output-buffer-limit {slave 10 20 30 normal 0 0 0}}
            {notify-keyspace-events KEA} {notify-keyspace-events Ex}
            {notify-keyspace-events {$lshzxegtmdKn}} {notify-keyspace-events {}}
            {notify-keyspace-events AKE}
            {oom-score-adj-values {0 100 900}} {oom-score-adj-values {-10 0 2000}}
            {latency-tracking-info-percentiles {99 99.99 0}}
            {latency-tracking-info-percentiles {}}
            {latency-tracking-info-percentiles {50.5}}
            {bind {127.0.0.1 -::1}} {bind 127.0.0.1}
        }
        set touched {}
        foreach c $cases {lappend touched [lindex $c 0]}
        set before [cfg_dict 0 {*}[lsort -unique $touched]]
        set stock_before [cfg_dict -1 {*}[lsort -unique $touched]]

        set mismatches {}
        foreach c $cases {
            lassign $c name value
            cfg_both mismatches config set $name $value
            cfg_both mismatches config get $name
        }
        # A few values checked for themselves, not only against stock.
        r config set maxmemory 2GB
        assert_equal {maxmemory 2147483648} [r config get maxmemory]
        r config set maxmemory-clients 7%
        assert_equal {maxmemory-clients 7%} [r config get maxmemory-clients]
        r config set hz 600
        assert_equal {hz 500} [r config get hz]
        r config set save {100 10 200 20}
        assert_equal {save {100 10 200 20}} [r config get save]

        # Put everything back.
        dict for {k v} $before {r config set $k $v}
        dict for {k v} $stock_before {r -1 config set $k $v}
        assert_equal $before [cfg_dict 0 {*}[lsort -unique $touched]]
        assert_equal {} $mismatches
    }

    # Mostly errors; a few odd values that are accepted are in the list too.
    test {CONFIG SET error replies are byte for byte those of stock} {
        # A port nobody can take: a listening socket of our own.
        set busy_sock [socket -server cfg_no_accept -myaddr 127.0.0.1 0]
        set busy [lindex [fconfigure $busy_sock -sockname] 2]
        set cases [list \
            {config set nosuch 1} \
            {config set NoSuch 1 hz 5} \
            {config set daemonize yes} \
            {config set databases 5} \
            {config set unixsocketperm 777} \
            {config set slaveof {127.0.0.1 1}} \
            {config set replicaof {127.0.0.1 1}} \
            {config set dir /tmp} \
            {config set dbfilename x.rdb} \
            {config set DBFILENAME a/b} \
            {config set maxmemory-samples 0} \
            {config set hz abc} \
            {config set hz 1.5} \
            {config set hz {}} \
            {config set port 70000} \
            {config set port -1} \
            {config set timeout -1} \
            {config set maxclients 0} \
            {config set active-expire-effort 11} \
            {config set maxmemory-policy foo} \
            {config set loglevel {}} \
            {config set appendfsync sometimes} \
            {config set oom-score-adj maybe} \
            {config set maxmemory 1x} \
            {config set maxmemory -1} \
            {config set maxmemory 10gbb} \
            {config set maxmemory 99999999999999999999} \
            {config set client-query-buffer-limit 1k} \
            {config set proto-max-bulk-len 1000} \
            {config set maxmemory-clients 101%} \
            {config set maxmemory-clients abc%} \
            {config set maxmemory-clients -5%} \
            {config set activerehashing maybe} \
            {config set activerehashing {}} \
            {config set SLAVE-READ-ONLY 1} \
            {config set maxmemory 10mb maxmemory 20mb} \
            {config set hz 10 HZ 20} \
            {config set hash-max-ziplist-entries 1 hash-max-listpack-entries 2} \
            {config set maxmemory 10mb hz} \
            {config set maxmemory} \
            {config set} \
            {config set save 100} \
            {config set save {100 abc}} \
            {config set save {-1 10}} \
            {config set save {100 10 200}} \
            {config set client-output-buffer-limit {normal 1 2}} \
            {config set client-output-buffer-limit {foo 1 2 3}} \
            {config set client-output-buffer-limit {normal 1x 2 3}} \
            {config set client-output-buffer-limit {normal 1 2 -3}} \
            {config set notify-keyspace-events KEQ} \
            {config set oom-score-adj-values {1 2}} \
            {config set oom-score-adj-values {0 0 5000}} \
            {config set latency-tracking-info-percentiles 101} \
            {config set latency-tracking-info-percentiles abc} \
            {config set shutdown-on-sigint foo} \
            {config set shutdown-on-sigint {}} \
            {config set proc-title-template {{nosuch}}} \
            {config set proc-title-template {   }} \
            [list config set port $busy] \
            {config set bind 192.0.2.1} \
            {config set cluster-announce-hostname {a b}} \
            {config set cluster-announce-hostname host_1} \
            {config set appenddirname {}} \
            {config set repl-backlog-size 1} \
            {config set maxmemory 10mb nosuch 1} \
            {config set daemonize yes nosuch 1} \
            {config set nosuch 1 daemonize yes} \
        ]
        set mismatches {}
        foreach c $cases {cfg_both mismatches {*}$c}
        close $busy_sock
        # Values some of the cases did set (huge maxmemory, backlog).
        foreach level {0 -1} {
            r $level config set maxmemory 0 repl-backlog-size 1mb
        }
        assert_equal {} $mismatches
        # Still accepting connections after the failed rebinds.
        foreach level {0 -1} {
            set c [redis_client $level]
            assert_equal PONG [$c ping]
        }
    }

    test {CONFIG SET of several pairs is all or nothing} {
        set names {maxmemory hz maxmemory-policy save slowlog-max-len port}
        set before [cfg_dict 0 {*}$names]
        set stock_before [cfg_dict -1 {*}$names]
        set busy_sock [socket -server cfg_no_accept -myaddr 127.0.0.1 0]
        set busy [lindex [fconfigure $busy_sock -sockname] 2]
        set mismatches {}
        foreach bad [list \
            {maxmemory-policy nonsense} {hz abc} {save 100} {nosuch 1} \
            {daemonize yes} [list port $busy] {bind 192.0.2.1}] {
            cfg_both mismatches config set maxmemory 10mb hz 20 \
                save {1 1} {*}$bad slowlog-max-len 7
            assert_equal $before [cfg_dict 0 {*}$names]
            assert_equal $stock_before [cfg_dict -1 {*}$names]
        }
        close $busy_sock
        assert_equal {} $mismatches
        # The same pairs without the bad one all apply.
        r config set maxmemory 10mb hz 20 slowlog-max-len 7
        assert_equal {maxmemory 10485760 hz 20 slowlog-max-len 7} \
            [r config get maxmemory hz slowlog-max-len]
        dict for {k v} $before {r config set $k $v}
        assert_equal PONG [r ping]
    }

# ------------------------------------------------------- CONFIG RESETSTAT

    test {CONFIG RESETSTAT clears the same statistics as stock} {
        set fields {total_commands_processed keyspace_hits keyspace_misses
            total_error_replies unexpected_error_replies expired_keys
            evicted_keys rejected_connections total_net_input_bytes
            sync_full total_forks}
        foreach level {0 -1} {
            r $level flushall
            r $level set a 1
            r $level get a
            r $level get nokey
            catch {r $level lpush a x}
            catch {r $level nosuchcommand}
            assert_equal OK [r $level config resetstat]
        }
        # Both have seen exactly the same traffic since the reset.
        set ours [r info all]
        set stock [r -1 info all]
        set mismatches {}
        foreach f $fields {
            set o "(missing)"
            set s "(missing)"
            regexp "\n$f:(\[^\r\n\]*)" $ours -> o
            regexp "\n$f:(\[^\r\n\]*)" $stock -> s
            if {$o ne $s} {lappend mismatches "$f: ours $o stock $s"}
        }
        # Command and error stats start over: only this INFO and RESETSTAT.
        foreach {name text} [list ours $ours stock $stock] {
            set cmds [regexp -all -inline -line {^cmdstat_[^:]+:calls=\d+} $text]
            set errs [regexp -all -inline -line {^errorstat_.*} $text]
            set $name-stats [list [lsort $cmds] $errs]
        }
        assert_equal {} $mismatches
        assert_equal ${stock-stats} ${ours-stats}
        # (INFO is counted once it has run, so it is not listed yet.)
        assert_equal {cmdstat_config|resetstat:calls=1 {}} ${ours-stats}
    }
}
}

# --------------------------------------------------- CONFIG REWRITE

tags {config} {
    test {CONFIG REWRITE edits in place, keeps the rest, output as stock} {
        set dir [cfg_tmpdir]
        cfg_write [file join $dir inc.conf] "maxmemory-samples 7\n"
        # An include, an alias, a directive on several lines, one that
        # loading ignores (list-max-ziplist-entries), odd spacing.
        set template [string map [list INC [file join $dir inc.conf]] {# Heading comment, kept as is

include "INC"

hz    11
# between
slave-read-only yes
save 100 10
save 200 20
save 300 30
rename-command FLUSHDB ""
list-max-ziplist-entries 512
maxmemory 1mb
client-output-buffer-limit pubsub 32mb 8mb 60
notify-keyspace-events Ex

# Trailing comment
}]
        set results {}
        foreach binary [list $::stock_binary $::server_binary] {
            set conf [file join $dir [file tail $binary].[llength $results].conf]
            cfg_write $conf $template
            set srv [cfg_spawn $binary [list $conf] {--save {} --appendonly no}]
            set c [dict get $srv client]
            # Changed in place, added, set back to default, removed.
            $c config set hz 12 maxmemory 2mb save {400 40} slowlog-max-len 7 \
                loglevel warning notify-keyspace-events {} replica-read-only no \
                client-output-buffer-limit {pubsub 1mb 1mb 1 normal 1mb 0 0}
            assert_equal OK [$c config rewrite]
            set text [cfg_read $conf]
            set port [dict get $srv port]
            set values [cfg_spawned_dict $srv hz maxmemory save slowlog-max-len \
                loglevel notify-keyspace-events replica-read-only \
                client-output-buffer-limit maxmemory-samples]
            cfg_stop $srv
            # The rewritten file loads again, to the same values.
            set srv [cfg_spawn $binary [list $conf] {}]
            set again [cfg_spawned_dict $srv {*}[dict keys $values]]
            cfg_stop $srv
            set values [lsort -stride 2 -index 0 $values]
            assert_equal $values [lsort -stride 2 -index 0 $again]
            # Per-run details: port, dir.
            regsub -all -line "^port .*\$" $text {port P} text
            regsub -all -line "^dir .*\$" $text {dir D} text
            lappend results $text $values
        }
        lassign $results stock_text stock_values ours_text ours_values
        assert_equal $stock_values $ours_values
        lassign [cfg_split_rewrite $stock_text] stock_head stock_tail
        lassign [cfg_split_rewrite $ours_text] ours_head ours_tail
        assert_equal $stock_head $ours_head
        assert_equal $stock_tail $ours_tail
        # What the file must look like, independently of stock: lines
        # edited in place (the alias under its new name), the save lines
        # no longer needed blanked (blank runs squeezed to one), the
        # ignored directive commented out, the rest appended.
        assert_match [string map [list INC [file join $dir inc.conf]] {# Heading comment, kept as is

include "INC"

hz 12
# between
replica-read-only no
save 400 40

rename-command FLUSHDB ""
# ??? list-max-ziplist-entries 512
maxmemory 2mb
client-output-buffer-limit normal 1mb 0 0
notify-keyspace-events ""

# Trailing comment

# Generated by CONFIG REWRITE
*}] $ours_text
        assert_match "*\nslowlog-max-len 7\n*" $ours_text
        assert_match "*\nloglevel warning\n*" $ours_text
        assert_match "*\nmaxmemory-samples 7\n*" $ours_text
        assert_match "*\nclient-output-buffer-limit pubsub 1mb 1mb 1\n*" $ours_text
        cfg_cleanup
    }

    test {The repository's redis.conf survives CONFIG REWRITE in both servers} {
        set src [file normalize [file join $::tests_root .. redis.conf]]
        set dir [cfg_tmpdir]
        set texts {}
        foreach binary [list $::stock_binary $::server_binary] {
            set conf [file join $dir [file tail $binary].[llength $texts].conf]
            file copy -force $src $conf
            set srv [cfg_spawn $binary [list $conf] {--save {}}]
            set before [cfg_spawned_dict $srv *]
            [dict get $srv client] config set maxmemory 100mb
            assert_equal OK [[dict get $srv client] config rewrite]
            cfg_stop $srv
            set srv [cfg_spawn $binary [list $conf] {}]
            set after [cfg_spawned_dict $srv *]
            cfg_stop $srv
            assert_equal [list "maxmemory: ours '104857600' stock '0'"] \
                [cfg_dict_diff $after $before {port dir}]
            set text [cfg_read $conf]
            regsub -all -line "^(port|dir) .*\$" $text {\1 X} text
            lappend texts $text
        }
        lassign $texts stock ours
        # Comments survive, the maxmemory line is edited where it was.
        assert_match "*# Memory limit for the dataset*\nmaxmemory 100mb\n*" $ours
        assert_equal [regexp -all -inline -line {^#.*} [cfg_read $src]] \
            [regexp -all -inline -line {^#.*} [lindex [cfg_split_rewrite $ours] 0]]
        assert_equal [cfg_split_rewrite $stock] [cfg_split_rewrite $ours]
        cfg_cleanup
    }
}

# ------------------------------------------------- start-up and passing config

tags {config} {
    test {Bad config files stop start-up with the same FATAL block as stock} {
        set dir [cfg_tmpdir]
        set cases {
            "nosuchdirective 1\n"
            "port abc\n"
            "port 70000\n"
            "maxmemory 1x\n"
            "maxmemory-clients 200%\n"
            "appendonly maybe\n"
            "maxmemory-policy nonsense\n"
            "hz\n"
            "hz 1 2\n"
            "save \"100\"\n"
            "save 100 10 200\n"
            "client-output-buffer-limit foo 1 2 3\n"
            "client-output-buffer-limit normal 1 2\n"
            "port 7000\nbind\n\ndatabases 0\n"
            "loglevel nothing\n"
            "include /nonexistent/file.conf\n"
            "port \"unterminated\n"
            "port \"7000\"x\n"
            "# comment\n  \n\tmaxmemory 10mb trailing\n"
            "notify-keyspace-events Q\n"
            "oom-score-adj-values 1 2\n"
            "unixsocketperm 999\n"
            "dbfilename a/b\n"
            "replicaof 127.0.0.1\n"
            "replicaof 127.0.0.1 notaport\n"
            "rename-command nosuchcommand foo\n"
            "rename-command\n"
            "sentinel monitor m 127.0.0.1 6379 2\n"
            "latency-tracking-info-percentiles 200\n"
            "shutdown-on-sigint nope\n"
            "proc-title-template \"{nosuch}\"\n"
            "logfile /nonexistent/dir/x.log\n"
            "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"
        }
        set mismatches {}
        set n 0
        foreach text $cases {
            set path [file join $dir bad[incr n].conf]
            cfg_write $path $text
            set ours [cfg_run_fail $::server_binary $path]
            set stock [cfg_run_fail $::stock_binary $path]
            if {$ours ne $stock} {
                lappend mismatches "[list $text]\n  ours:  $ours\n  stock: $stock"
            }
            assert_morethan [lindex $ours 0] 0
        }
        assert_equal {} $mismatches
        cfg_cleanup
    }

    test {Bad command line options and stdin give the same FATAL block as stock} {
        set dir [cfg_tmpdir]
        set good [file join $dir good.conf]
        cfg_write $good "hz 5\n"
        set cases [list \
            {--port abc} {--nosuch 1} {--maxmemory 1x --hz 5} {--hz} \
            {--save 100} {--bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17} \
            [list $good --maxmemory-policy bad] [list $good --hz 1 2] \
            {-stdin "port abc\n" -} {-stdin "hz 5\nnosuch\n" - --port 1} \
            [list -stdin "maxmemory 1q\n" $good -] \
        ]
        set mismatches {}
        foreach args $cases {
            set ours [cfg_run_fail $::server_binary {*}$args]
            set stock [cfg_run_fail $::stock_binary {*}$args]
            if {$ours ne $stock} {
                lappend mismatches "$args\n  ours:  $ours\n  stock: $stock"
            }
        }
        assert_equal {} $mismatches
        cfg_cleanup
    }

    test {include, quoting and units in the file, in ours as in stock} {
        set dir [cfg_tmpdir]
        cfg_write [file join $dir first.conf] "hz 42\nmaxmemory 1mb\n"
        cfg_write [file join $dir last.conf] "databases 4\n"
        cfg_write [file join $dir glob-a.conf] "tcp-keepalive 11\n"
        cfg_write [file join $dir glob-b.conf] "tcp-keepalive 22\n"
        set main [file join $dir main.conf]
        cfg_write $main [string map [list DIR $dir] {# quoting, units, includes
include DIR/first.conf
   maxmemory 2MB
MaxMemory-Policy AllKeys-LFU
proc-title-template "{title}\t\x41 {port}"
masteruser 'it\'s me'
replica-announce-ip "1.2.3.4"
client-output-buffer-limit normal 1k 2kb 3
client-output-buffer-limit pubsub 1g 1gb 0
hash-max-listpack-value 1K
maxmemory-clients 3%
proto-max-bulk-len 2000000
save 100 10
save 200 20 300 30
notify-keyspace-events "KExe"
slave-priority 7
bind 127.0.0.1   -::1
oom-score-adj-values "1" '2' 3
include DIR/glob-*.conf
include DIR/last.conf
}]
        set names {hz maxmemory maxmemory-policy proc-title-template masteruser
            replica-announce-ip client-output-buffer-limit hash-max-listpack-value
            maxmemory-clients proto-max-bulk-len save notify-keyspace-events
            replica-priority bind oom-score-adj-values tcp-keepalive databases}
        set got {}
        foreach binary [list $::stock_binary $::server_binary] {
            set srv [cfg_spawn $binary [list $main] {}]
            lappend got [cfg_spawned_dict $srv {*}$names]
            cfg_stop $srv
        }
        lassign $got stock ours
        assert_equal {} [cfg_dict_diff $ours $stock]
        assert_equal 2097152 [dict get $ours maxmemory]
        assert_equal 42 [dict get $ours hz]
        assert_equal "{title}\tA {port}" [dict get $ours proc-title-template]
        assert_equal "it's me" [dict get $ours masteruser]
        # Save lines after an include replace each other instead of adding
        # up: a stock 7.0 quirk, kept.
        assert_equal {200 20 300 30} [dict get $ours save]
        assert_equal 22 [dict get $ours tcp-keepalive]
        assert_equal 4 [dict get $ours databases]
        assert_equal "normal 1000 2048 3 slave 268435456 67108864 60 pubsub 1000000000 1073741824 0" \
            [dict get $ours client-output-buffer-limit]
        cfg_cleanup
    }

    test {Command line options, alone or after a file, as stock} {
        set dir [cfg_tmpdir]
        set conf [file join $dir base.conf]
        cfg_write $conf "hz 15\nmaxmemory 1mb\nsave 10 10\n"
        # Several words in one quoted argument are split, as stock does.
        set quoted [file join $dir quoted.conf]
        cfg_write $quoted "save \"60 5 30 7\"\nlatency-tracking-info-percentiles \"50 99\"\n"
        set cases [list \
            {{} {--save {} --maxmemory 3mb --bind 127.0.0.1 -::1 --hz 33}} \
            {{} {--hz 7 --save}} \
            {{} {--save --hz 8}} \
            {{} {{--maxmemory 4mb} --loglevel warning}} \
            {{} {--client-output-buffer-limit normal 1mb 2mb 3 --notify-keyspace-events KA}} \
            [list [list $conf] {--maxmemory 5mb}] \
            [list [list $conf] {--save 20 20 --save 30 30}] \
            {{} {--save {900 1} --client-output-buffer-limit {normal 1mb 2mb 3} --bind {127.0.0.1 -::1}}} \
            [list [list $quoted] {}] \
        ]
        set names {save maxmemory bind hz loglevel client-output-buffer-limit
            notify-keyspace-events latency-tracking-info-percentiles}
        set mismatches {}
        set ours_got {}
        foreach c $cases {
            lassign $c first opts
            set got {}
            foreach binary [list $::stock_binary $::server_binary] {
                set srv [cfg_spawn $binary $first $opts]
                lappend got [cfg_spawned_dict $srv {*}$names]
                cfg_stop $srv
            }
            set d [cfg_dict_diff [lindex $got 1] [lindex $got 0]]
            if {$d ne {}} {lappend mismatches "$c: $d"}
            lappend ours_got [lindex $got 1]
        }
        assert_equal {} $mismatches
        # Independently of stock: values after a bare --save, "-::1" taken
        # as a value, options after the file winning over it.
        set first [lindex $ours_got 0]
        assert_equal {} [dict get $first save]
        assert_equal {127.0.0.1 -::1} [dict get $first bind]
        assert_equal 3145728 [dict get $first maxmemory]
        assert_equal {} [dict get [lindex $ours_got 1] save]
        assert_equal 5242880 [dict get [lindex $ours_got 5] maxmemory]
        assert_equal {10 10 20 20 30 30} [dict get [lindex $ours_got 6] save]
        assert_equal {900 1} [dict get [lindex $ours_got 7] save]
        assert_equal {127.0.0.1 -::1} [dict get [lindex $ours_got 7] bind]
        assert_equal {60 5 30 7} [dict get [lindex $ours_got 8] save]
        assert_equal {50 99} [dict get [lindex $ours_got 8] latency-tracking-info-percentiles]
        cfg_cleanup
    }

    test {Config from stdin ("-" first or last), combined with a file} {
        set dir [cfg_tmpdir]
        set conf [file join $dir base.conf]
        cfg_write $conf "hz 15\nmaxmemory 1mb\n"
        set stdin "maxmemory 4mb\nslowlog-max-len 9\n"
        set cases [list {- {}} {{} -} [list $conf -] [list $conf {--hz 3 -}]]
        set mismatches {}
        foreach c $cases {
            lassign $c first opts
            set got {}
            foreach binary [list $::stock_binary $::server_binary] {
                set srv [cfg_spawn $binary $first $opts $stdin]
                lappend got [cfg_spawned_dict $srv hz maxmemory slowlog-max-len]
                cfg_stop $srv
            }
            set d [cfg_dict_diff [lindex $got 1] [lindex $got 0]]
            if {$d ne {}} {lappend mismatches "$c: $d"}
            assert_equal 4194304 [dict get [lindex $got 0] maxmemory]
        }
        assert_equal {} $mismatches
        cfg_cleanup
    }
}

cfg_stop_all
