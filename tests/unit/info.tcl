# INFO: sections, their order, field names (against a stock 7.0.15 server
# started alongside), the text format, and the values of fixed fields.
source [file join $::tests_root support diff.tcl]

set stock_binary /usr/bin/redis-server

# Section headers of an INFO text, in order.
proc info_headers {text} {
    set out {}
    foreach line [split $text \n] {
        set line [string trimright $line \r]
        if {[string match {# *} $line]} {lappend out [string range $line 2 end]}
    }
    return $out
}

# dict: section -> list of field names, in order.
proc info_fields {text} {
    set out [dict create]
    set sec {}
    foreach line [split $text \n] {
        set line [string trimright $line \r]
        if {[string match {# *} $line]} {
            set sec [string range $line 2 end]
            dict set out $sec {}
        } elseif {$line ne {}} {
            dict lappend out $sec [lindex [split $line :] 0]
        }
    }
    return $out
}

# Value of one field in an INFO text.
proc info_field {text field} {
    foreach line [split $text \n] {
        set line [string trimright $line \r]
        if {[string match "$field:*" $line]} {
            return [string range $line [expr {[string length $field] + 1}] end]
        }
    }
    return {}
}

start_server [list tags {info} binary $stock_binary] {
    start_server {tags {info}} {
        test {INFO section selection matches stock} {
            foreach args {
                {} {default} {all} {everything} {server} {SERVER clients}
                {keyspace server} {default commandstats} {all nosuchsection}
                {nosuchsection} {modules} {Server server} {cpu latencystats}
                {errorstats cluster}
            } {
                set ours [info_headers [r info {*}$args]]
                set stock [info_headers [r -1 info {*}$args]]
                assert_equal $stock $ours "INFO $args"
            }
        }

        test {INFO field names and order match stock} {
            set ours [info_fields [r info everything]]
            set stock [info_fields [r -1 info everything]]
            foreach sec {Server Clients Memory Persistence Stats Replication CPU Modules Cluster} {
                assert_equal [dict get $stock $sec] [dict get $ours $sec] "section $sec"
            }
        }

        test {INFO text format: CRLF lines, blank line between sections} {
            set fd [diff_connect [srv 0 host] [srv 0 port]]
            set raw [diff_send $fd {info server clients}]
            close $fd
            assert_match "\$*\r\n# Server\r\n*\r\n\r\n# Clients\r\n*\r\n\r\n" $raw
            # Every line of the payload ends in \r\n.
            set body [string range $raw [expr {[string first "\n" $raw] + 1}] end-2]
            foreach line [split [string trimright $body \n] \n] {
                assert_match "*\r" $line
            }
        }

        test {INFO of unknown section is an empty string} {
            set fd [diff_connect [srv 0 host] [srv 0 port]]
            set raw [diff_send $fd {info nosuchsection}]
            close $fd
            assert_equal "\$0\r\n\r\n" $raw
        }

        test {INFO fixed fields} {
            set info [r info everything]
            assert_equal 7.0.15 [info_field $info redis_version]
            assert_equal 00000000 [info_field $info redis_git_sha1]
            assert_equal standalone [info_field $info redis_mode]
            assert_equal 64 [info_field $info arch_bits]
            assert_equal [srv 0 port] [info_field $info tcp_port]
            assert_equal [srv 0 pid] [info_field $info process_id]
            assert_match {[0-9a-f]*} [info_field $info run_id]
            assert_equal 40 [string length [info_field $info run_id]]
            assert_equal master [info_field $info role]
            assert_equal 0 [info_field $info connected_slaves]
            assert_equal 40 [string length [info_field $info master_replid]]
            assert_equal [string repeat 0 40] [info_field $info master_replid2]
            assert_equal -1 [info_field $info second_repl_offset]
            assert_equal 0 [info_field $info cluster_enabled]
            assert_equal 0 [info_field $info rdb_bgsave_in_progress]
            assert_equal 0 [info_field $info aof_enabled]
            assert_equal noeviction [info_field $info maxmemory_policy]
            assert_equal 0 [info_field $info maxmemory]
            assert_equal 0B [info_field $info maxmemory_human]
            # Same allocator string as stock, unless built with MALLOC=libc
            # (sanitizer builds): then it must say so.
            if {[string match jemalloc* [info_field $info mem_allocator]]} {
                assert_equal [info_field [r -1 info memory] mem_allocator] [info_field $info mem_allocator]
            } else {
                assert_equal libc [info_field $info mem_allocator]
            }
            assert_equal [info_field [r -1 info server] os] [info_field $info os]
            assert_equal [info_field [r -1 info server] gcc_version] [info_field $info gcc_version]
            assert_match {*/redis-server} [info_field $info executable]
            assert_morethan [info_field $info used_memory] 0
            assert_morethan [info_field $info used_memory_rss] 0
            assert_match {*.*%} [info_field $info used_memory_peak_perc]
            assert_match {[0-9]*.[0-9][0-9]} [info_field $info mem_fragmentation_ratio]
            assert_morethan_equal [info_field $info connected_clients] 1
        }

        test {INFO run_id is stable and differs between servers} {
            set a [info_field [r info server] run_id]
            set b [info_field [r info server] run_id]
            assert_equal $a $b
            assert_not_equal $a [info_field [r -1 info server] run_id]
        }

        test {INFO commandstats: calls, subcommands, rejected and failed calls} {
            r config resetstat
            r set foo bar
            r set foo bar
            r get foo
            r config get maxmemory
            catch {r get} e
            catch {r incr foo} e
            set info [r info commandstats]
            assert_match {*cmdstat_set:calls=2,usec=*,usec_per_call=*,rejected_calls=0,failed_calls=0*} $info
            assert_match {*cmdstat_config|get:calls=1,usec=*,rejected_calls=0,failed_calls=0*} $info
            assert_match {*cmdstat_get:calls=1,usec=*,rejected_calls=1,failed_calls=0*} $info
            assert_match {*cmdstat_incr:calls=1,*,rejected_calls=0,failed_calls=1*} $info
            assert_no_match {*cmdstat_ping*} $info
        }

        test {INFO errorstats counts errors by prefix} {
            r config resetstat
            catch {r nosuchcommand} e
            catch {r get} e
            set info [r info errorstats]
            assert_match "*errorstat_ERR:count=2\r\n*" $info
            r config resetstat
            assert_no_match {*errorstat_*} [r info errorstats]
        }

        test {INFO stats counters} {
            r config resetstat
            r set k v
            r get k
            r get nokey
            set info [r info stats]
            assert_equal 1 [info_field $info keyspace_hits]
            assert_equal 1 [info_field $info keyspace_misses]
            assert_morethan_equal [info_field $info total_commands_processed] 3
            assert_morethan [info_field $info total_net_input_bytes] 0
        }

        test {INFO keyspace lines} {
            r flushall
            assert_equal "# Keyspace\r\n" [r info keyspace]
            r set a 1
            r set b 2
            assert_match "*db0:keys=2,expires=0,avg_ttl=0\r\n*" [r info keyspace]
        }

        test {INFO cpu is in seconds with 6 decimals} {
            set info [r info cpu]
            foreach f {used_cpu_sys used_cpu_user used_cpu_sys_children used_cpu_user_children
                       used_cpu_sys_main_thread used_cpu_user_main_thread} {
                assert_match {[0-9]*.[0-9][0-9][0-9][0-9][0-9][0-9]} [info_field $info $f]
            }
        }
    }
}
