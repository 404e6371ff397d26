# Runs one test file in this process; started by test_helper.tcl.
#
#   tclsh tests/support/worker.tcl --file tests/unit/x.tcl --base-port P
#         [--port-count N] [--server path] [--tags expr]... [--only glob]...
#         [--verbose] [--dont-clean]
#
# Results go to stdout as "@@@ <list>" lines (see report in util.tcl).

set support_dir [file dirname [file normalize [info script]]]
set ::tests_root [file dirname $support_dir]

set ::verbose 0
set ::dont_clean 0
set ::tag_filter {}
set ::only_patterns {}
set ::base_port 21111
set ::port_count 100
set ::port_cursor 0
set ::startup_timeout 20
set ::shutdown_timeout 10
set ::server_binary [file join [file dirname $::tests_root] src redis-server]
if {[info exists ::env(REDIS_SERVER_BINARY)] && $::env(REDIS_SERVER_BINARY) ne {}} {
    set ::server_binary $::env(REDIS_SERVER_BINARY)
}
# A sanitizer build's report should say where: UBSan prints no stack by
# default. Harmless for other builds; a caller's own setting wins.
if {![info exists ::env(UBSAN_OPTIONS)]} {
    set ::env(UBSAN_OPTIONS) print_stacktrace=1
}
set test_file {}

for {set i 0} {$i < [llength $argv]} {incr i} {
    set opt [lindex $argv $i]
    set val [lindex $argv [expr {$i + 1}]]
    switch -exact -- $opt {
        --file {set test_file $val; incr i}
        --base-port {set ::base_port $val; incr i}
        --port-count {set ::port_count $val; incr i}
        --server {set ::server_binary $val; incr i}
        --tags {lappend ::tag_filter {*}$val; incr i}
        --only {lappend ::only_patterns $val; incr i}
        --verbose {set ::verbose 1}
        --dont-clean {set ::dont_clean 1}
        default {
            puts stderr "worker: unknown option $opt"
            exit 2
        }
    }
}
if {$test_file eq {}} {
    puts stderr "worker: --file is required"
    exit 2
}

fconfigure stdout -buffering line
source [file join $support_dir redis.tcl]
source [file join $support_dir util.tcl]
source [file join $support_dir server.tcl]
source [file join $support_dir natlab.tcl]

if {[catch {uplevel #0 [list source $test_file]} err opts]} {
    # Keep the message short: the error plus where in the file it happened.
    set where [regexp -all -inline {\(file "[^"]*" line \d+\)} [dict get $opts -errorinfo]]
    if {$::verbose} {set err [dict get $opts -errorinfo]}
    test_failed "(error outside of any test)" "$err\n[join $where \n]"
}

# start_server cleans up after itself; this only matters for servers
# started without a code block and never stopped.
while {[llength $::servers]} {
    set info [lindex $::servers end]
    set ::servers [lrange $::servers 0 end-1]
    catch {stop_server_info $info $::num_failed 0}
}

report done $::num_passed $::num_failed $::num_skipped
exit 0
