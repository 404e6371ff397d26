# Differential testing: send the same commands to our server and to a stock
# redis-server 7.0.15 and compare the raw reply bytes.
#
# A corpus file (tests/diff/*.txt) holds one command per line, written as a
# Tcl list (so "quoted args", {braced args} and \x00 escapes work). Lines
# starting with '#' and blank lines are ignored. A line starting with '!'
# is sent to both servers but its replies are not compared (set-up steps
# whose reply legitimately differs, e.g. HELLO's client id). A line starting
# with '~' compares only the replies' lengths (random replies such as ACL
# GENPASS).

# A raw connection that returns each reply exactly as received.
proc diff_connect {host port} {
    set fd [socket $host $port]
    fconfigure $fd -translation binary -buffering none -blocking 1
    return $fd
}

proc diff_encode {argv} {
    set out "*[llength $argv]\r\n"
    foreach a $argv {
        set b [encoding convertto utf-8 $a]
        append out "\$[string length $b]\r\n$b\r\n"
    }
    return $out
}

proc diff_readline {fd} {
    set line [gets $fd]
    if {[eof $fd]} {error "connection closed"}
    return "$line\n"
}

# Read one complete RESP2/RESP3 reply and return its bytes.
proc diff_read_reply {fd} {
    set line [diff_readline $fd]
    set type [string index $line 0]
    set body [string range $line 1 end-2]
    switch -exact -- $type {
        + - - - : - _ - , - # - ( {return $line}
        $ - = - ! {
            if {$body < 0} {return $line}
            set data [read $fd [expr {$body + 2}]]
            return "$line$data"
        }
        * - ~ - > {
            if {$body < 0} {return $line}
            set out $line
            for {set i 0} {$i < $body} {incr i} {append out [diff_read_reply $fd]}
            return $out
        }
        % - | {
            set out $line
            for {set i 0} {$i < $body * 2} {incr i} {append out [diff_read_reply $fd]}
            if {$type eq "|"} {append out [diff_read_reply $fd]}
            return $out
        }
        default {error "unexpected reply line: $line"}
    }
}

# Sends one command and returns its reply, preceded by the client side
# caching invalidation pushes that arrived before it. Those pushes are out
# of band: counting one as the reply of the command after it (as a plain
# one-read-per-command runner does) leaves later commands a reply behind,
# so the next command goes out before the server has answered the previous
# one and the order of a broadcast push and the replies becomes a race.
proc diff_send {fd argv} {
    puts -nonewline $fd [diff_encode $argv]
    flush $fd
    set pushes ""
    while {[string match ">2\r\n\$10\r\ninvalidate\r\n*" [set reply [diff_read_reply $fd]]]} {
        append pushes $reply
    }
    return "$pushes$reply"
}

# Run a corpus file against two servers; returns a list of mismatches
# {lineno command ours stock}.
proc diff_run_corpus {file ours stock} {
    set fh [open $file r]
    fconfigure $fh -encoding utf-8
    set lines [split [read $fh] "\n"]
    close $fh
    set mismatches {}
    set lineno 0
    foreach line $lines {
        incr lineno
        set line [string trim $line]
        if {$line eq {} || [string index $line 0] eq "#"} continue
        set compare 1
        if {[string index $line 0] eq "!"} {
            set compare 0
            set line [string range $line 1 end]
        } elseif {[string index $line 0] eq "~"} {
            set compare len
            set line [string range $line 1 end]
        }
        set argv [subst -nocommands -novariables $line]
        set a [diff_send $ours $argv]
        set b [diff_send $stock $argv]
        if {$compare eq "len"} {
            # Random replies (ACL GENPASS): only the size must match.
            if {[string length $a] != [string length $b]} {
                lappend mismatches [list $lineno $line $a $b]
            }
        } elseif {$compare && $a ne $b} {
            lappend mismatches [list $lineno $line $a $b]
        }
    }
    return $mismatches
}

proc diff_format_mismatches {file mismatches} {
    set out "[llength $mismatches] mismatching replies in [file tail $file]:"
    foreach m [lrange $mismatches 0 19] {
        lassign $m lineno cmd a b
        append out "\n  line $lineno: $cmd\n    ours:  [string map {\r\n \\r\\n} $a]\n    stock: [string map {\r\n \\r\\n} $b]"
    }
    return $out
}

# Commands a corpus declares with a "# needs: cmd ..." line: the corpus is
# skipped (not failed) while our server lacks one of them, so a corpus can
# be written before the feature it exercises lands.
proc diff_corpus_needs {file} {
    set fh [open $file r]
    set needs {}
    foreach line [split [read $fh] "\n"] {
        if {[regexp {^#\s*needs:\s*(.*)$} $line -> cmds]} {lappend needs {*}$cmds}
    }
    close $fh
    return $needs
}

proc diff_missing_commands {fd cmds} {
    set missing {}
    foreach cmd $cmds {
        set reply [diff_send $fd [list command info $cmd]]
        if {$reply eq "*1\r\n*-1\r\n" || $reply eq "*1\r\n\$-1\r\n"} {lappend missing $cmd}
    }
    return $missing
}

# "# allocator: jemalloc" in a corpus: skip unless our server uses that
# allocator (memory figures differ under MALLOC=libc or sanitizer builds).
proc diff_corpus_allocator {file} {
    set fh [open $file r]
    set want {}
    foreach line [split [read $fh] "\n"] {
        if {[regexp {^#\s*allocator:\s*(\S+)} $line -> a]} {set want $a}
    }
    close $fh
    return $want
}

proc diff_allocator {fd} {
    set reply [diff_send $fd [list info memory]]
    if {[regexp {mem_allocator:([a-z]+)} $reply -> a]} {return $a}
    return {}
}

# A connection that acts as a replica (PSYNC; RDB skipped) to read what the
# server propagates.
proc diff_replica {port} {
    set fd [diff_connect 127.0.0.1 $port]
    puts -nonewline $fd [diff_encode {psync ? -1}]
    flush $fd
    diff_readline $fd ;# +FULLRESYNC
    # Newlines keep the link alive while the RDB is produced.
    while {[set line [diff_readline $fd]] eq "\n"} {}
    read $fd [string range $line 1 end-2]
    return $fd
}

# What a server propagated, read from a diff_replica connection: the
# commands up to the SET of marker (sent here through ctl), pings left out (their
# timing is the servers' own) and XCLAIM's TIME value masked.
proc diff_propagated_until {repl ctl marker} {
    diff_send $ctl [list set diff:marker $marker]
    set end [diff_encode [list set diff:marker $marker]]
    set cmds {}
    while {[set cmd [diff_read_reply $repl]] ne $end} {
        if {[string tolower $cmd] eq "*1\r\n\$4\r\nping\r\n"} continue
        regsub {(\$4\r\nTIME\r\n\$\d+\r\n)\d+} $cmd {\1<ms>} cmd
        lappend cmds $cmd
    }
    return $cmds
}
