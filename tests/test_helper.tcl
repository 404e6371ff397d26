# Integration test runner.
#
#   tclsh tests/test_helper.tcl [options]
#
#   --single FILE     run only this test file (repeatable); FILE may also be
#                     given as unit/foo or unit/foo.tcl
#   --tags EXPR       tag filter: "foo" runs tests tagged foo, "-slow" skips
#                     tests tagged slow (repeatable, or several in one string)
#   --only GLOB       only run tests whose name matches GLOB (repeatable)
#   --clients N       parallel worker processes (default 2 * cores)
#   --server PATH     server binary (default $REDIS_SERVER_BINARY or src/redis-server)
#   --timeout SECS    time bound of one test file (default 300)
#   --base-port N     first port of the port ranges (default 21111)
#   --verbose         show every test as it starts, skipped tests, stack traces
#   --dont-clean      keep the server directories under tests/tmp
#
# Every test file runs in its own tclsh process (tests/support/worker.tcl);
# worker slot i owns ports [base + i*100, base + i*100 + 99].

set ::tests_dir [file dirname [file normalize [info script]]]
set ::root [file dirname $::tests_dir]
set ::orig_pwd [pwd]

set ::clients 0
set ::timeout 300
set ::base_port 21111
set ::ports_per_slot 100
set ::server_binary {}
set ::verbose 0
set ::dont_clean 0
set ::tag_args {}
set ::only_args {}
set ::singles {}

proc usage {{code 1}} {
    set fd [open [info script] r]
    set text [read $fd]
    close $fd
    foreach line [split $text \n] {
        if {[string index $line 0] ne "#"} break
        puts [string range $line 2 end]
    }
    exit $code
}

for {set i 0} {$i < [llength $argv]} {incr i} {
    set opt [lindex $argv $i]
    set val [lindex $argv [expr {$i + 1}]]
    switch -exact -- $opt {
        --single {lappend ::singles $val; incr i}
        --tags {lappend ::tag_args {*}$val; incr i}
        --only {lappend ::only_args $val; incr i}
        --clients {set ::clients $val; incr i}
        --server {set ::server_binary $val; incr i}
        --timeout {set ::timeout $val; incr i}
        --base-port {set ::base_port $val; incr i}
        --verbose {set ::verbose 1}
        --dont-clean {set ::dont_clean 1}
        --help - -h {usage 0}
        default {
            puts stderr "unknown option: $opt"
            usage
        }
    }
}

proc cpu_count {} {
    if {![catch {exec nproc} n] && [string is integer -strict $n]} {return $n}
    if {![catch {open /proc/cpuinfo r} fd]} {
        set n [regexp -all -line {^processor\s*:} [read $fd]]
        close $fd
        if {$n > 0} {return $n}
    }
    return 2
}

if {$::clients <= 0} {set ::clients [expr {2 * [cpu_count]}]}

if {$::server_binary ne {}} {
    set ::server_binary [file normalize [file join $::orig_pwd $::server_binary]]
}

# ---------------------------------------------------------------- discovery

proc find_test_files {dir} {
    set out {}
    foreach f [lsort [glob -nocomplain -directory $dir -types f *.tcl]] {
        lappend out $f
    }
    foreach d [lsort [glob -nocomplain -directory $dir -types d *]] {
        if {[file tail $d] in {helpers support assets tmp}} continue
        lappend out {*}[find_test_files $d]
    }
    return $out
}

proc relative_to_root {path} {
    set path [file normalize $path]
    set prefix "$::root/"
    if {[string first $prefix $path] == 0} {
        return [string range $path [string length $prefix] end]
    }
    return $path
}

proc resolve_single {name} {
    set candidates [list [file join $::orig_pwd $name] \
                        [file join $::root $name] \
                        [file join $::tests_dir $name] \
                        [file join $::tests_dir $name.tcl]]
    foreach c $candidates {
        if {[file isfile $c]} {return [relative_to_root $c]}
    }
    puts stderr "test file not found: $name"
    exit 1
}

cd $::root
set ::files {}
if {[llength $::singles]} {
    foreach s $::singles {lappend ::files [resolve_single $s]}
} else {
    foreach d {unit integration nat} {
        foreach f [find_test_files [file join $::tests_dir $d]] {
            lappend ::files [relative_to_root $f]
        }
    }
}
if {[llength $::files] == 0} {
    puts "no test files found"
    puts "0 passed, 0 failed"
    exit 0
}
if {$::clients > [llength $::files]} {set ::clients [llength $::files]}
file mkdir [file join $::tests_dir tmp]

# ---------------------------------------------------------------- state

set ::queue $::files
set ::total_files [llength $::files]
set ::files_done 0
set ::passed 0
set ::failed 0
set ::skipped 0
set ::failures {}        ;# list of {name file message}
set ::bad_files {}       ;# files that crashed or timed out
set ::start_time [clock milliseconds]

proc unescape {s} {
    return [string map {\\\\ \\ \\n \n \\r \r} $s]
}

# ---------------------------------------------------------------- processes

proc proc_alive {pid} {
    if {[catch {open /proc/$pid/stat r} fd]} {return 0}
    set data [read $fd]
    close $fd
    set rest [string range $data [expr {[string last ")" $data] + 2}] end]
    return [expr {[lindex $rest 0] ni {Z X}}]
}

# All descendants of pid (read from /proc before killing anything).
proc descendants {pid} {
    set children [dict create]
    foreach stat [glob -nocomplain /proc/\[0-9\]*/stat] {
        if {[catch {open $stat r} fd]} continue
        set data [read $fd]
        close $fd
        set rest [string range $data [expr {[string last ")" $data] + 2}] end]
        set p [lindex [file split $stat] 2]
        dict lappend children [lindex $rest 1] $p
    }
    set out {}
    set todo [list $pid]
    while {[llength $todo]} {
        set todo [lassign $todo cur]
        if {[dict exists $children $cur]} {
            foreach c [dict get $children $cur] {
                lappend out $c
                lappend todo $c
            }
        }
    }
    return $out
}

proc kill_pids {pids} {
    set live {}
    foreach p $pids {if {[proc_alive $p]} {lappend live $p}}
    if {[llength $live]} {catch {exec kill -KILL {*}$live}}
}

# ---------------------------------------------------------------- jobs

proc start_next {slot} {
    if {[llength $::queue] == 0} {
        unset -nocomplain ::jobs($slot)
        if {[array size ::jobs] == 0} {set ::all_done 1}
        return
    }
    set ::queue [lassign $::queue file]
    set port [expr {$::base_port + $slot * $::ports_per_slot}]
    set cmd [list [info nameofexecutable] [file join $::tests_dir support worker.tcl] \
                 --file $file --base-port $port --port-count $::ports_per_slot]
    if {$::server_binary ne {}} {lappend cmd --server $::server_binary}
    if {[llength $::tag_args]} {lappend cmd --tags $::tag_args}
    foreach o $::only_args {lappend cmd --only $o}
    if {$::verbose} {lappend cmd --verbose}
    if {$::dont_clean} {lappend cmd --dont-clean}
    lappend cmd </dev/null 2>@1

    set fd [open |$cmd r]
    fconfigure $fd -blocking 0 -buffering line -translation auto
    set job [dict create file $file fd $fd pid [lindex [pid $fd] 0] \
                 start [clock milliseconds] timedout 0 done 0 servers {} \
                 current {}]
    dict set job timer [after [expr {int($::timeout * 1000)}] [list job_timeout $slot]]
    set ::jobs($slot) $job
    fileevent $fd readable [list job_readable $slot]
}

proc job_set {slot key value} {
    dict set ::jobs($slot) $key $value
}
proc job_get {slot key} {
    return [dict get $::jobs($slot) $key]
}

proc job_readable {slot} {
    set fd [job_get $slot fd]
    while {[gets $fd line] >= 0} {
        handle_line $slot $line
    }
    if {[eof $fd]} {
        job_finished $slot
    }
}

proc handle_line {slot line} {
    set file [job_get $slot file]
    if {![string match "@@@ *" $line]} {
        puts "\[$file\] $line"
        return
    }
    if {[catch {lrange [string range $line 4 end] 0 end} msg]} {
        puts "\[$file\] $line"
        return
    }
    set fields {}
    foreach f $msg {lappend fields [unescape $f]}
    set kind [lindex $fields 0]
    switch -exact -- $kind {
        ok {
            job_set $slot current {}
            incr ::passed
            lassign $fields - name ms
            puts "\[ok\]: $name (${ms}ms)"
        }
        err {
            incr ::failed
            job_set $slot current {}
            lassign $fields - name message
            lappend ::failures [list $name $file $message]
            puts "\[err\]: $name in $file"
            puts $message
        }
        run {
            job_set $slot current [lindex $fields 1]
        }
        skip {
            incr ::skipped
            if {$::verbose} {puts "\[skip\]: [lindex $fields 1]"}
        }
        server {
            set l [job_get $slot servers]
            lappend l [lindex $fields 1]
            job_set $slot servers $l
        }
        serverdown {
            set l [job_get $slot servers]
            set i [lsearch -exact $l [lindex $fields 1]]
            if {$i >= 0} {job_set $slot servers [lreplace $l $i $i]}
        }
        done {
            job_set $slot done 1
        }
        default {
            puts "\[$file\] $line"
        }
    }
}

proc job_timeout {slot} {
    if {![info exists ::jobs($slot)]} return
    set file [job_get $slot file]
    job_set $slot timedout 1
    puts "\[timeout\]: $file still running after $::timeout s, killing it"
    set pid [job_get $slot pid]
    set victims [concat [list $pid] [descendants $pid] [job_get $slot servers]]
    kill_pids $victims
}

proc job_finished {slot} {
    set job $::jobs($slot)
    set fd [dict get $job fd]
    set file [dict get $job file]
    after cancel [dict get $job timer]
    fileevent $fd readable {}
    fconfigure $fd -blocking 1
    set status 0
    if {[catch {close $fd} err opts]} {
        set ec [dict get $opts -errorcode]
        switch -- [lindex $ec 0] {
            CHILDSTATUS {set status "exit status [lindex $ec 2]"}
            CHILDKILLED {set status "killed by [lindex $ec 2]"}
            default {set status $err}
        }
    }
    # Servers the worker did not get to stop (crash, timeout, kill).
    kill_pids [dict get $job servers]

    set problem {}
    if {[dict get $job timedout]} {
        set problem "timed out after $::timeout s"
    } elseif {$status ne 0} {
        set problem "worker crashed ($status)"
    } elseif {![dict get $job done]} {
        set problem "worker exited before finishing"
    }
    if {$problem ne {}} {
        set current [dict get $job current]
        if {$current ne {}} {append problem " while running test '$current'"}
        incr ::failed
        lappend ::bad_files [list $file $problem]
        lappend ::failures [list {} $file $problem]
        puts "\[err\]: $file: $problem"
    }
    incr ::files_done
    set secs [format %.2f [expr {([clock milliseconds] - [dict get $job start]) / 1000.0}]]
    puts "\[$::files_done/$::total_files done\]: $file (${secs}s)"
    start_next $slot
}

# ---------------------------------------------------------------- main

puts "Running $::total_files test file(s) with $::clients worker(s)"
for {set slot 0} {$slot < $::clients} {incr slot} {
    start_next $slot
}
if {[array size ::jobs]} {vwait ::all_done}

set elapsed [format %.2f [expr {([clock milliseconds] - $::start_time) / 1000.0}]]
puts ""
if {[llength $::failures]} {
    puts "Failed tests:"
    foreach f $::failures {
        lassign $f name file message
        set first [lindex [split $message \n] 0]
        if {$name eq {}} {
            puts "  \[err\]: $file: $first"
        } else {
            puts "  \[err\]: $name ($file): $first"
        }
    }
}
if {[llength $::bad_files]} {
    puts "Crashed or timed out test files:"
    foreach b $::bad_files {puts "  [lindex $b 0]: [lindex $b 1]"}
}
if {$::skipped} {puts "$::skipped skipped"}
puts "Execution time: ${elapsed}s"
puts "$::passed passed, $::failed failed"
exit [expr {($::failed == 0 && [llength $::bad_files] == 0) ? 0 : 1}]
