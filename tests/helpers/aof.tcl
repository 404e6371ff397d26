# aof.tcl - helpers for the AOF tests: the AOF directory of a server and
# its manifest, the current incr file, waiting for a rewrite, copying a
# directory (to start another server on it), keys per db for diagnostics.

proc aof_dir {{level 0}} {
    file join [lindex [r $level config get dir] 1] [lindex [r $level config get appenddirname] 1]
}

proc manifest {{level 0}} {
    read_binary [file join [aof_dir $level] appendonly.aof.manifest]
}

proc incr_file {{level 0}} {
    set last {}
    foreach line [split [manifest $level] \n] {
        if {[regexp {^file (\S+) seq \d+ type i} $line -> f]} {set last $f}
    }
    file join [aof_dir $level] $last
}

# Both fields come from one INFO: read apart, the cron could start the
# scheduled rewrite between them and both would read 0 mid-rewrite.
proc rewrite_idle {level} {
    set info [[srv $level client] info persistence]
    return [expr {[regexp {aof_rewrite_in_progress:0\r?\n} $info] &&
                  [regexp {aof_rewrite_scheduled:0\r?\n} $info]}]
}

proc wait_rewrite_done {{level 0}} {
    wait_for_condition 500 10 {
        [rewrite_idle $level]
    } else {
        fail "AOF rewrite did not finish"
    }
}

proc copy_dir {src} {
    set dst [file join $::tests_root tmp "aofcopy.[pid].[incr ::aof_seq]"]
    file mkdir $dst
    foreach f [glob -nocomplain -directory $src *] {file copy -force $f $dst}
    return [file normalize $dst]
}

# {db keys ...} for every non-empty database of the server at $level: what a
# failed digest comparison prints, to show which keys differ.
proc keys_per_db {level} {
    set out {}
    for {set db 0} {$db < 16} {incr db} {
        r $level select $db
        set keys [lsort [r $level keys *]]
        if {$keys ne {}} {lappend out $db $keys}
    }
    r $level select 0
    return $out
}
