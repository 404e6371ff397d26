# Configuration behaviour beyond single replies: multi-pattern CONFIG GET,
# CONFIG REWRITE keeping comments, start-up errors identical to stock.

proc config_get_dict {args} {
    set d [dict create]
    foreach {k v} [r {*}$args] {dict set d $k $v}
    return $d
}

start_server {tags {config} binary /usr/bin/redis-server} {
    start_server {tags {config}} {
        test {CONFIG GET with several patterns returns the same set as stock} {
            foreach patterns {{maxmemory hz} {*max-*-entries*} {hz HZ hz} {slave* replica-read-only}} {
                set ours [config_get_dict config get {*}$patterns]
                set stock [config_get_dict -1 config get {*}$patterns]
                assert_equal [lsort -stride 2 $stock] [lsort -stride 2 $ours]
            }
        }
    }
}

start_server {tags {config}} {
    test {CONFIG REWRITE keeps comments and unknown spacing, updates values} {
        set conf [srv 0 config_file]
        set fh [open $conf a]
        puts $fh "# a comment that must survive"
        puts $fh "maxmemory-samples 7"
        close $fh
        r config set maxmemory-samples 9
        r config set hz 33
        r config rewrite
        set fh [open $conf]
        set text [read $fh]
        close $fh
        assert_match "*# a comment that must survive*" $text
        assert_match "*maxmemory-samples 9*" $text
        assert_match "*hz 33*" $text
        assert_no_match "*maxmemory-samples 7*" $text
        # The rewritten file restarts cleanly with the same values.
        restart_server
        assert_equal {hz 33} [r config get hz]
        assert_equal {maxmemory-samples 9} [r config get maxmemory-samples]
    }
}

# Run a binary with a config file, return {exit-code stderr+stdout}.
proc run_with_config {binary text args} {
    set dir [file join $::tests_root tmp "badconf.[pid]"]
    file mkdir $dir
    set path [file join $dir bad.conf]
    set fh [open $path w]
    puts -nonewline $fh $text
    close $fh
    set rc [catch {exec $binary $path {*}$args 2>@1} out opts]
    file delete -force $dir
    # The config path, pid and time differ between runs: compare the
    # messages only.
    regsub -all -line {^\d+:[A-Z] \d\d \S+ \d{4} [\d:.]+ . } $out {} out
    return [list $rc [string map [list $path CONF] $out]]
}

tags {config} {
    test {bad config files stop start-up with the same FATAL message as stock} {
        set cases {
            "nosuchdirective 1\n"
            "port abc\n"
            "maxmemory 1x\n"
            "appendonly maybe\n"
            "maxmemory-policy nonsense\n"
            "hz\n"
            "save \"100\"\n"
            "client-output-buffer-limit foo 1 2 3\n"
            "port 7000\nbind\n\ndatabases 0\n"
            "loglevel nothing\n"
            "include /nonexistent/file.conf\n"
            "port \"unterminated\n"
        }
        foreach text $cases {
            set ours [run_with_config $::server_binary $text]
            set stock [run_with_config /usr/bin/redis-server $text]
            assert_equal [lindex $stock 0] [lindex $ours 0] "exit code for: $text"
            assert_equal [lindex $stock 1] [lindex $ours 1] "message for: $text"
        }
    }

    test {bad command-line options give the same FATAL message as stock} {
        foreach args {{--port abc} {--nosuch 1} {--maxmemory 1x --hz 5}} {
            set ours [run_with_config $::server_binary "" {*}$args]
            set stock [run_with_config /usr/bin/redis-server "" {*}$args]
            assert_equal $stock $ours "for: $args"
        }
    }
}
