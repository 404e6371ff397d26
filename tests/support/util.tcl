# Test definitions, tag filtering, assertions and polling helpers.
#
# Results are reported to the runner (test_helper.tcl) as single lines on
# stdout of the form "@@@ <tcl list>"; see report below.

set ::tags {}               ;# tags in effect (stack of enclosing tags/start_server)
set ::num_passed 0
set ::num_failed 0
set ::num_skipped 0
set ::current_test {}

# ---------------------------------------------------------------- reporting

proc report {args} {
    # Newlines inside fields would break the line protocol: escape them.
    set fields {}
    foreach a $args {
        lappend fields [string map {\\ \\\\ \n \\n \r \\r} $a]
    }
    puts stdout "@@@ $fields"
    flush stdout
}

proc vputs {msg} {
    if {$::verbose} {puts stdout $msg; flush stdout}
}

# ---------------------------------------------------------------- tags

# Positive tags (without a leading '-') select tests carrying at least one of
# them; negative tags ('-slow') skip tests carrying them.
proc tags_acceptable {tags} {
    set want {}
    foreach t $::tag_filter {
        if {[string index $t 0] eq "-"} {
            if {[lsearch -exact $tags [string range $t 1 end]] >= 0} {return 0}
        } else {
            lappend want $t
        }
    }
    if {[llength $want] == 0} {return 1}
    foreach t $want {
        if {[lsearch -exact $tags $t] >= 0} {return 1}
    }
    return 0
}

# True when none of the given tags is explicitly excluded.
proc tags_not_excluded {tags} {
    foreach t $::tag_filter {
        if {[string index $t 0] eq "-" &&
            [lsearch -exact $tags [string range $t 1 end]] >= 0} {return 0}
    }
    return 1
}

proc tags {taglist code} {
    set saved $::tags
    set ::tags [concat $::tags $taglist]
    set rc [catch {uplevel 1 $code} res opts]
    set ::tags $saved
    return -options $opts $res
}

# ---------------------------------------------------------------- tests

proc test {name code {expected __no_expected_value__} {testtags {}}} {
    set alltags [concat $::tags $testtags]
    if {![tags_acceptable $alltags] ||
        ($::only_patterns ne {} && ![test_name_selected $name])} {
        incr ::num_skipped
        report skip $name
        return
    }
    vputs "\[testing\]: $name"
    report run $name
    set ::current_test $name
    set start [clock milliseconds]
    set rc [catch {uplevel 1 $code} res opts]
    set elapsed [expr {[clock milliseconds] - $start}]
    set ::current_test {}
    if {$rc == 1 && [string match "skipped:*" $res]} {
        incr ::num_skipped
        report skip "$name ([string range $res 8 end])"
        return
    }
    if {$rc == 1} {
        set msg $res
        if {[string match "assertion:*" $msg]} {
            set msg [string range $msg 10 end]
        } elseif {$::verbose} {
            append msg "\n[dict get $opts -errorinfo]"
        } else {
            # Show where an unexpected Tcl error came from.
            set info [dict get $opts -errorinfo]
            set lines [split $info \n]
            if {[llength $lines] > 1} {
                append msg "\n" [join [lrange $lines 1 12] \n]
            }
        }
        test_failed $name $msg
        return
    }
    if {$rc != 0 && $rc != 2} {
        # break/continue escaping a test body: treat as a bug in the test
        test_failed $name "test body returned code $rc"
        return
    }
    # The expected value matches exactly or as a glob pattern.
    if {$expected ne "__no_expected_value__" && $res ne $expected &&
        ![string match $expected $res]} {
        test_failed $name "Expected '$expected' but got '$res'"
        return
    }
    incr ::num_passed
    report ok $name $elapsed
}

proc test_name_selected {name} {
    foreach p $::only_patterns {
        if {[string match $p $name]} {return 1}
    }
    return 0
}

proc test_failed {name msg} {
    incr ::num_failed
    report err $name $msg
}

# ---------------------------------------------------------------- assertions

proc fail {msg} {
    error "assertion:$msg"
}

# Inside a test: stop it and count it as skipped, not failed (for tests
# that need a feature our server does not have yet).
proc skip {why} {
    error "skipped:$why"
}

# Skip the current test unless our server's allocator is `name` (memory
# figures only match stock with the same allocator).
proc needs_allocator {name {level 0}} {
    if {![string match "$name*" [s $level mem_allocator]]} {
        skip "needs the $name allocator"
    }
}

# Skip the current test unless server `level` knows every named command.
proc needs_commands {args} {
    set missing {}
    foreach cmd $args {
        if {[lindex [r command info $cmd] 0] eq {}} {lappend missing $cmd}
    }
    if {[llength $missing]} {skip "needs [join $missing {, }]"}
}

proc assert {condition} {
    if {![uplevel 1 [list expr $condition]]} {
        set ctx [uplevel 1 [list subst -nocommands $condition]]
        fail "Expected '$ctx' to be true (condition: $condition)"
    }
}

proc assert_equal {value expected {detail {}}} {
    if {$value ne $expected} {
        set m "Expected '$value' to be equal to '$expected'"
        if {$detail ne {}} {append m " ($detail)"}
        fail $m
    }
}

proc assert_not_equal {value expected {detail {}}} {
    if {$value eq $expected} {
        set m "Expected '$value' to be not equal to '$expected'"
        if {$detail ne {}} {append m " ($detail)"}
        fail $m
    }
}

proc assert_match {pattern value {detail {}}} {
    if {![string match $pattern $value]} {
        set m "Expected '$value' to match '$pattern'"
        if {$detail ne {}} {append m " ($detail)"}
        fail $m
    }
}

proc assert_no_match {pattern value} {
    if {[string match $pattern $value]} {
        fail "Expected '$value' to not match '$pattern'"
    }
}

# The code must raise an error whose message matches the glob pattern.
proc assert_error {pattern code {detail {}}} {
    if {[catch {uplevel 1 $code} err]} {
        if {![string match $pattern $err]} {
            set m "Expected error matching '$pattern' but got '$err'"
            if {$detail ne {}} {append m " ($detail)"}
            fail $m
        }
        return $err
    }
    fail "Expected an error matching '$pattern' but got '$err'"
}

proc assert_range {value min max} {
    if {!($value >= $min && $value <= $max)} {
        fail "Expected '$value' to be between $min and $max"
    }
}

proc assert_morethan {value threshold} {
    if {!($value > $threshold)} {
        fail "Expected '$value' to be more than '$threshold'"
    }
}

proc assert_morethan_equal {value threshold} {
    if {!($value >= $threshold)} {
        fail "Expected '$value' to be more than or equal to '$threshold'"
    }
}

proc assert_lessthan {value threshold} {
    if {!($value < $threshold)} {
        fail "Expected '$value' to be less than '$threshold'"
    }
}

proc assert_lessthan_equal {value threshold} {
    if {!($value <= $threshold)} {
        fail "Expected '$value' to be less than or equal to '$threshold'"
    }
}

# assert_encoding listpack mykey ?level?
proc assert_encoding {enc key {level 0}} {
    set got [r $level object encoding $key]
    if {$got ne $enc} {
        fail "Expected encoding '$enc' for key '$key' but got '$got'"
    }
}

proc assert_type {type key {level 0}} {
    set got [r $level type $key]
    if {$got ne $type} {
        fail "Expected type '$type' for key '$key' but got '$got'"
    }
}

# ---------------------------------------------------------------- polling

# wait_for_condition maxtries delay_ms {expr} else {script}
proc wait_for_condition {maxtries delay condition elseword elsescript} {
    if {$elseword ne "else"} {
        error "wait_for_condition: expected 'else', got '$elseword'"
    }
    for {set i 0} {$i < $maxtries} {incr i} {
        if {[uplevel 1 [list expr $condition]]} return
        after $delay
    }
    uplevel 1 $elsescript
}

# Return the value of a field of INFO as seen by client $r.
proc status {r field} {
    set info [$r info]
    if {[regexp "(?:^|\r?\n)$field:(\[^\r\n\]*)" $info -> value]} {
        return $value
    }
    return {}
}

# s ?level? field : INFO field of the current (or outer) server.
proc s {args} {
    set level 0
    if {[llength $args] == 2} {
        lassign $args level field
    } else {
        set field [lindex $args 0]
    }
    return [status [srv $level client] $field]
}

proc wait_for_ofs_sync {r1 r2} {
    wait_for_condition 100 50 {
        [status $r1 master_repl_offset] eq [status $r2 master_repl_offset]
    } else {
        fail "replica offset didn't match in time"
    }
}

proc wait_for_sync {r {maxtries 200} {delay 25}} {
    wait_for_condition $maxtries $delay {
        [status $r master_link_status] eq "up"
    } else {
        fail "replica didn't sync in time"
    }
}

# The whole content of a file, bytes as they are (no encoding or
# end-of-line translation).
proc read_binary {path} {
    set fd [open $path rb]
    set data [read $fd]
    close $fd
    return $data
}

proc wait_done_loading {r} {
    wait_for_condition 1000 20 {
        [catch {$r ping} e] == 0
    } else {
        fail "server still loading: $e"
    }
}

# Number of lines currently in the stdout log of server $level.
proc count_log_lines {level} {
    set f [srv $level stdout]
    if {![file exists $f]} {return 0}
    set fd [open $f r]
    set n 0
    while {[gets $fd line] >= 0} {incr n}
    close $fd
    return $n
}

proc log_lines_from {level from} {
    set f [srv $level stdout]
    if {![file exists $f]} {return {}}
    set fd [open $f r]
    fconfigure $fd -translation binary
    set lines [split [read $fd] \n]
    close $fd
    return [lrange $lines $from end]
}

# Wait until one of the glob patterns matches a log line after line $from.
# Returns {line_number line}.
proc wait_for_log_messages {level patterns from maxtries delay} {
    for {set i 0} {$i < $maxtries} {incr i} {
        set n $from
        foreach line [log_lines_from $level $from] {
            foreach p $patterns {
                if {[string match $p $line]} {
                    return [list $n $line]
                }
            }
            incr n
        }
        after $delay
    }
    fail "log of server $level has no line matching '$patterns' (after line $from)"
}

proc verify_log_message {level pattern from} {
    foreach line [log_lines_from $level $from] {
        if {[string match $pattern $line]} return
    }
    fail "expected log message '$pattern' not found in server $level log"
}

# ---------------------------------------------------------------- misc

proc process_is_alive {pid} {
    set f /proc/$pid/stat
    if {[catch {open $f r} fd]} {return 0}
    set data [read $fd]
    close $fd
    # State is the first field after the parenthesised command name.
    set rest [string range $data [expr {[string last ")" $data] + 2}] end]
    return [expr {[lindex $rest 0] ni {Z X}}]
}

proc randstring {min max {type binary}} {
    set len [expr {$min + int(rand() * ($max - $min + 1))}]
    set out {}
    switch -- $type {
        alpha {set lo 48; set hi 122}
        compr {set lo 48; set hi 52}
        default {set lo 0; set hi 255}
    }
    for {set i 0} {$i < $len} {incr i} {
        append out [format %c [expr {$lo + int(rand() * ($hi - $lo + 1))}]]
    }
    return $out
}

proc randomInt {max} {
    return [expr {int(rand() * $max)}]
}

# 1 when a CLUSTER NODES line shows a healthy peer: myself, or connected
# and neither failing nor in handshake nor without an address.
proc cluster_nodes_line_healthy {line} {
    if {[string match *myself* [lindex $line 2]]} {return 1}
    expr {[lindex $line 7] eq "connected" && ![regexp {handshake|fail|noaddr} [lindex $line 2]]}
}
