# ACL behaviour: authentication against ACL users, NOPERM checks (commands,
# read/write key patterns, selectors, first-args, MULTI/EXEC), the ACL log,
# disconnections on DELUSER / ACL LOAD, the ACL file (LOAD/SAVE, atomic
# loads, restarts), "user" lines in redis.conf and CONFIG REWRITE. Fixed
# replies and error texts are compared with stock in tests/diff/acl.txt.

# Start a server binary expecting it to exit; returns its output with the
# log prefixes (pid:role date time level) removed.
proc acl_run_fail {binary conf} {
    catch {exec timeout 10 $binary $conf 2>@1} out
    regsub -all -line {^\d+:[A-Z] \d\d \S+ \d{4} [\d:.]+ . } $out {} out
    return $out
}

proc acl_log_entry {entry field} {
    dict get $entry $field
}

start_server {tags {acl}} {
    test {AUTH as an ACL user: WHOAMI, CLIENT LIST user=, wrong passwords} {
        r acl setuser alice on >apass ~* +@all
        set c [redis_client]
        assert_error {WRONGPASS invalid username-password pair or user is disabled.} {$c auth alice wrong}
        assert_error {WRONGPASS*} {$c auth nosuchuser apass}
        assert_equal OK [$c auth alice apass]
        assert_equal alice [$c acl whoami]
        assert_match "*user=alice*" [$c client info]
        assert_match "*user=alice*" [r client list]
        # Several passwords, removable one by one.
        r acl setuser alice >second
        assert_equal OK [$c auth alice second]
        r acl setuser alice <apass
        assert_error {WRONGPASS*} {$c auth alice apass}
        # A disabled user cannot log in, but its connections stay.
        r acl setuser alice off
        assert_error {WRONGPASS*} {$c auth alice second}
        assert_equal alice [$c acl whoami]
        assert_equal PONG [$c ping]
        $c close
        r acl deluser alice
    }

    test {NOPERM for commands, subcommands and categories} {
        r acl setuser bob on nopass ~k* -@all +@string +config|get -incr
        set c [redis_client]
        $c auth bob x
        assert_equal OK [$c set k v]
        assert_equal v [$c get k]
        assert_error {NOPERM this user has no permissions to run the 'incr' command} {$c incr n}
        assert_error {NOPERM this user has no permissions to run the 'config|set' command} {$c config set hz 10}
        assert_match {hz *} [$c config get hz]
        assert_error {NOPERM this user has no permissions to access one of the keys used as arguments} {$c get otherkey}
        # no_auth commands are always allowed
        assert_equal OK [$c auth bob x]
        $c close
        r acl deluser bob
    }

    test {Key patterns: %R~ for reads, %W~ for writes, ~ for both} {
        r acl setuser kp on nopass +@all %R~r* %W~w* ~b*
        set c [redis_client]
        $c auth kp x
        r set r1 v
        r set w1 v
        assert_equal v [$c get r1]
        assert_error {NOPERM*keys*} {$c set r1 v}
        assert_error {NOPERM*keys*} {$c get w1}
        assert_equal OK [$c set w1 v2]
        assert_equal OK [$c set b1 v]
        assert_equal v [$c get b1]
        # EXISTS does not access the value: a write-only pattern is enough.
        assert_equal 1 [$c exists w1]
        # One key out of the patterns denies the whole command.
        assert_error {NOPERM*keys*} {$c mget r1 b1 x1}
        assert_equal {v v} [$c mget r1 b1]
        $c close
        r acl deluser kp
    }

    test {Selectors: any selector allowing the command allows it} {
        r acl setuser sel on nopass -@all +get ~g* {(+set ~s*)} {(+incr ~i*)}
        set c [redis_client]
        $c auth sel x
        assert_equal OK [$c set s1 v]
        assert_equal {} [$c get g1]
        assert_equal 1 [$c incr i1]
        assert_error {NOPERM*keys*} {$c set g1 v}
        assert_error {NOPERM*'decr' command} {$c decr i1}
        r acl setuser sel clearselectors
        assert_error {NOPERM*'set' command} {$c set s1 v}
        $c close
        r acl deluser sel
    }

    test {First-arg rules: +select|0 allows only SELECT 0} {
        r acl setuser fa on nopass -@all +select|0 +ping
        set c [redis_client]
        $c auth fa x
        assert_equal OK [$c select 0]
        assert_error {NOPERM*'select' command} {$c select 1}
        assert_match {*+select|0*} [r acl list]
        r acl setuser fa -select
        assert_error {NOPERM*'select' command} {$c select 0}
        $c close
        r acl deluser fa
    }

    test {MULTI: denied commands abort the transaction; EXEC rechecks} {
        r acl setuser mu on nopass +@all -incr ~*
        set c [redis_client]
        $c auth mu x
        $c multi
        assert_error {NOPERM*} {$c incr x}
        assert_error {EXECABORT*} {$c exec}
        $c multi
        $c set x 1
        $c get x
        r acl setuser mu -get
        # The client raises the error element of EXEC's reply.
        assert_error {NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call.*reason: no permission to execute the command or subcommand} {$c exec}
        assert_equal 1 [r get x]
        $c close
        r acl deluser mu
    }

    test {ACL LOG records denials, folds repeats and honours acllog-max-len} {
        r acl log reset
        r acl setuser lg on >pw +@all -get ~k*
        set c [redis_client]
        $c client setname logclient
        catch {$c auth lg bad}
        $c auth lg pw
        catch {$c get k1}
        catch {$c get k1}
        catch {$c set other v}
        $c multi
        catch {$c get k1}
        $c discard
        set log [r acl log]
        assert_equal 4 [llength $log] $log
        set multi [lindex $log 0]
        assert_equal command [acl_log_entry $multi reason]
        assert_equal multi [acl_log_entry $multi context]
        set key [lindex $log 1]
        assert_equal key [acl_log_entry $key reason]
        assert_equal other [acl_log_entry $key object]
        assert_equal lg [acl_log_entry $key username]
        set cmd [lindex $log 2]
        assert_equal 2 [acl_log_entry $cmd count]
        assert_equal get [acl_log_entry $cmd object]
        assert_equal toplevel [acl_log_entry $cmd context]
        assert_match {*name=logclient*user=lg*} [acl_log_entry $cmd client-info]
        set auth [lindex $log 3]
        assert_equal auth [acl_log_entry $auth reason]
        assert_equal auth [acl_log_entry $auth object]
        assert_equal lg [acl_log_entry $auth username]
        set age [acl_log_entry $auth age-seconds]
        assert {$age >= 0 && $age < 10}
        assert_equal {count reason context object username age-seconds client-info} [dict keys $auth]
        assert_equal 1 [llength [r acl log 1]]
        r config set acllog-max-len 2
        catch {$c set newkey v}
        assert_equal 2 [llength [r acl log]]
        r config set acllog-max-len 128
        assert_equal OK [r acl log reset]
        assert_equal {} [r acl log]
        $c close
        r acl deluser lg
    }

    test {DELUSER disconnects the user's clients, the caller after its reply} {
        r acl setuser gone on nopass +@all ~*
        set c1 [redis_client]
        set c2 [redis_client]
        $c1 auth gone x
        $c2 auth gone x
        assert_equal 1 [$c2 acl deluser gone]
        assert_error {*} {$c2 ping}
        wait_for_condition 50 20 {[catch {$c1 ping}]} else {fail "client of a deleted user kept working"}
        assert_no_match "*user=gone*" [r client list]
        $c1 close
        $c2 close
    }

    test {SETUSER off or reset keeps connections (as 7.0): reset only revokes} {
        r acl setuser keep on nopass +@all ~*
        set c [redis_client]
        $c auth keep x
        r acl setuser keep off
        assert_equal PONG [$c ping]
        r acl setuser keep reset
        assert_error {NOPERM*'ping' command} {$c ping}
        assert_match "*user=keep*" [r client list]
        $c close
        r acl deluser keep
    }

    test {The default user off: new connections must AUTH as someone} {
        r acl setuser admin on >adm +@all ~*
        r acl setuser default off
        set c [redis_client]
        assert_error {NOAUTH Authentication required.} {$c ping}
        assert_error {NOAUTH HELLO must be called with the client already authenticated*} {$c hello 3}
        assert_error {WRONGPASS*} {$c auth default x}
        assert_equal OK [$c auth admin adm]
        assert_equal OK [$c acl setuser default on]
        $c close
        set c [redis_client]
        assert_equal PONG [$c ping]
        $c close
        r acl deluser admin
    }

    test {SETUSER arguments are redacted in the slowlog} {
        r config set slowlog-log-slower-than 0
        r acl setuser hidden on >topsecret
        set entry [lindex [r slowlog get 1] 0]
        r config set slowlog-log-slower-than 10000
        assert_equal {acl setuser (redacted) (redacted) (redacted)} [lindex $entry 3]
        r acl deluser hidden
    }

    test {CLIENT KILL USER kills that user's connections only} {
        r acl setuser ku on nopass +@all
        set c [redis_client]
        $c auth ku x
        assert_equal 1 [r client kill user ku]
        assert_error {*} {$c ping}
        assert_equal 0 [r client kill user ku]
        $c close
        r acl deluser ku
    }

    test {requirepass is the default user's password} {
        r config set requirepass secret
        assert_match "*user default on #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b *" [r acl list]
        set c [redis_client]
        assert_error {NOAUTH*} {$c ping}
        assert_equal OK [$c auth secret]
        assert_equal default [$c acl whoami]
        $c close
        r config set requirepass ""
        assert_match "*user default on nopass*" [r acl list]
        set c [redis_client]
        assert_equal PONG [$c ping]
        $c close
    }

    test {acl-pubsub-default decides new users' channels} {
        r config set acl-pubsub-default allchannels
        r acl setuser ch1
        assert_match "*user ch1 off &* -@all*" [r acl list]
        r config set acl-pubsub-default resetchannels
        r acl setuser ch2
        assert_match "*user ch2 off resetchannels -@all*" [r acl list]
        r acl deluser ch1 ch2
    }

    test {ACL CAT lists the commands COMMAND INFO tags with the category} {
        foreach cat [r acl cat] {
            set want {}
            foreach info [r command info {*}[r command list]] {
                if {"@$cat" in [lindex $info 6]} {lappend want [lindex $info 0]}
                foreach sub [lindex $info 9] {
                    if {"@$cat" in [lindex $sub 6]} {lappend want [lindex $sub 0]}
                }
            }
            assert_equal [lsort -unique $want] [lsort [r acl cat $cat]] "category $cat"
        }
    }

    test {GENPASS gives hex of the requested size, different each time} {
        assert_match {[0-9a-f]*} [r acl genpass]
        assert_equal 64 [string length [r acl genpass]]
        assert_equal 2 [string length [r acl genpass 5]]
        assert_not_equal [r acl genpass] [r acl genpass]
    }

    test {Bad rules never crash: fuzzed SETUSER arguments} {
        set words {on off nopass reset resetpass resetkeys resetchannels allkeys
                   allcommands nocommands clearselectors +@all -@all +get -get ~* ~k %R~x
                   %W~ % & &* ( ) (+get (~x) >p <p #00 !00 +config|get -config|set
                   +select|1 +config|get|x {} { } +@nosuch}
        for {set i 0} {$i < 300} {incr i} {
            set args {}
            for {set j 0} {$j < 1 + int(rand()*6)} {incr j} {
                lappend args [lindex $words [expr {int(rand()*[llength $words])}]]
            }
            catch {r acl setuser fuzz {*}$args}
            r acl list
            r acl getuser fuzz
        }
        r acl deluser fuzz
        assert_equal PONG [r ping]
    }
}

# ------------------------------------------------------------ the ACL file

set acldir [file normalize [file join $::tests_root tmp acl.[pid]]]
file mkdir $acldir
set aclfile [file join $acldir users.acl]
set fd [open $aclfile w]
puts $fd "user default on nopass ~* &* +@all"
puts $fd "user filed on #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~f* -@all +get"
close $fd

start_server [list tags {acl} overrides [list aclfile $aclfile]] {
    test {Users are loaded from the aclfile at start-up} {
        assert_equal {default filed} [r acl users]
        set c [redis_client]
        assert_equal OK [$c auth filed secret]
        assert_error {NOPERM*} {$c set f1 v}
        $c close
    }

    test {ACL SAVE then ACL LOAD round trip, and across a restart} {
        r acl setuser saved on >pw %R~s* {(+set ~w*)} -@all +get
        set before [r acl list]
        assert_equal OK [r acl save]
        r acl setuser saved reset
        r acl deluser filed
        assert_equal OK [r acl load]
        assert_equal $before [r acl list]
        restart_server
        assert_equal $before [r acl list]
    }

    test {ACL LOAD disconnects clients of every user but default} {
        set c [redis_client]
        set d [redis_client]
        $c auth saved pw
        assert_equal OK [r acl load]
        wait_for_condition 50 20 {[catch {$c ping}]} else {fail "client survived ACL LOAD"}
        assert_equal PONG [$d ping]
        $c close
        $d close
    }

    test {A bad ACL file changes nothing} {
        set before [r acl list]
        set fd [open $aclfile w]
        puts $fd "user default on nopass ~* &* +@all"
        puts $fd "user newbie on nopass +@all"
        puts $fd "user broken on +nosuchcommand"
        puts $fd "garbage"
        close $fd
        catch {r acl load} err
        assert_match "*users.acl:3: Error in applying operation '+nosuchcommand': Unknown command or category name in ACL. *users.acl:4 should start with user keyword followed by the username. WARNING: ACL errors detected, no change to the previously active ACL rules was performed" $err
        assert_equal $before [r acl list]
        # An unclosed selector is an error too (stock crashes on this one).
        set fd [open $aclfile w]
        puts $fd "user x on (+get ~x"
        close $fd
        catch {r acl load} err
        assert_match "*Unmatched parenthesis in selector definition.*" $err
        assert_equal $before [r acl list]
        file delete $aclfile
        catch {r acl load} err
        assert_match "*Error loading ACLs, opening file '*users.acl': No such file or directory" $err
    }
}

# ------------------------------------------------------- users in redis.conf

start_server {tags {acl} overrides {user {confuser on >cpw ~c* +@all}}} {
    test {redis.conf user lines create users; CONFIG REWRITE keeps them} {
        assert_match "*user confuser on #*~c* resetchannels +@all*" [r acl list]
        r acl setuser another on nopass ~a* +get
        set before [lrange [r acl list] 0 end-1]
        assert_equal OK [r config rewrite]
        restart_server
        # A "user default" line resets the default user first, which adds
        # sanitize-payload (as in stock).
        assert_equal $before [lrange [r acl list] 0 end-1]
        assert_equal {user default on nopass sanitize-payload ~* &* +@all} [lindex [r acl list] end]
        set c [redis_client]
        assert_equal OK [$c auth confuser cpw]
        $c close
    }
}

tags {acl} {
    test {Bad user lines and aclfile with user lines stop start-up as in stock} {
        set cases [list \
            "user foo on badrule\n" \
            "user foo on >p ~x badrule\n" \
            "user foo (+get\n" \
            "user foo on #abc\n" \
            "user foo on\nuser foo off\n" \
            "user foo on +nosuchcmd\n" \
            "aclfile $aclfile\nuser foo on\n"]
        set n 0
        foreach text $cases {
            set conf [file join $acldir bad[incr n].conf]
            set fd [open $conf w]
            puts -nonewline $fd $text
            close $fd
            set ours [acl_run_fail $::server_binary $conf]
            set stock [acl_run_fail /usr/bin/redis-server $conf]
            set ours_err [lsearch -all -inline -regexp [split $ours \n] {Error|ACL|>>>|FATAL|Critical}]
            set stock_err [lsearch -all -inline -regexp [split $stock \n] {Error|ACL|>>>|FATAL|Critical}]
            assert_equal $stock_err $ours_err [list $text]
            assert {[llength $ours_err] > 0}
        }
    }
}

# ACL LOAD error texts, from one file both servers read: unknown commands
# are named every time, other errors reported once per line.
set sharedacl [file join $acldir shared.acl]
set fd [open $sharedacl w]
puts $fd "user default on nopass ~* &* +@all"
close $fd
start_server [list tags {acl} binary /usr/bin/redis-server overrides [list aclfile $sharedacl]] {
    start_server [list tags {acl} overrides [list aclfile $sharedacl]] {
        test {ACL LOAD errors are reported as stock reports them} {
            set cases {
                "user a on +nosuch -nosuch2 bad +@nocat"
                "user a bad +nosuch bad2 +x\nuser b +y c"
                "user a on >pw ~k* +get (+nosuch)"
                "user a on (+nosuch bad) (bad +nosuch2)"
                "user a -config|nosub"
                "user a b c d"
                "user a on \"~a b\""
                "user a (+get"
                "user a on\nuser a off"
                "user a on\nbad line\nuser 'x y' on"
            }
            foreach text $cases {
                set fd [open $sharedacl w]
                puts $fd [subst -nocommands -novariables $text]
                close $fd
                catch {r -1 acl load} stock
                catch {r acl load} ours
                assert_match "*WARNING: ACL errors detected*" $stock
                assert_equal $stock $ours
            }
        }
    }
}

file delete -force $acldir

# ------------------------------------------ the ACL log compared with stock

proc acl_log_scenario {level} {
    r $level acl log reset
    r $level acl setuser sc on >pw +@all -get %R~r* ~k* {(+get ~g*)}
    set c [redis_client $level]
    catch {$c auth sc bad}
    catch {$c auth nosuch bad}
    catch {$c hello 3 auth sc bad}
    $c hello 2 auth sc pw
    catch {$c get k1}
    catch {$c get k1}
    catch {$c set r1 v}
    catch {$c mset k1 v r2 v}
    catch {$c get r1}
    catch {$c eval "return redis.call('get','x1')" 0}
    catch {$c eval "return redis.call('publish','ch','m')" 0}
    $c multi
    catch {$c get k2}
    catch {$c set x v}
    catch {$c exec}
    $c multi
    $c set k1 v
    r $level acl setuser sc resetkeys
    catch {$c exec}
    $c close
    set out {}
    foreach e [r $level acl log] {
        dict unset e age-seconds
        dict unset e client-info
        lappend out $e
    }
    r $level acl deluser sc
    return $out
}

start_server [list tags {acl} binary /usr/bin/redis-server] {
    start_server {tags {acl}} {
        test {ACL LOG entries match stock (ages and client details aside)} {
            set stock [acl_log_scenario -1]
            assert_morethan [llength $stock] 5
            assert_equal $stock [acl_log_scenario 0]
        }
    }
}

# Revoking channels disconnects the user's subscribers that lost one of
# their channels (or patterns), and only them; returns who survived.
proc acl_pubsub_revoke_scenario {level} {
    r $level acl setuser pa on nopass ~* allchannels +@all
    r $level acl setuser pb on nopass ~* &a &b +@all
    r $level acl setuser pc on nopass ~* &a +@all
    # One channel per SUBSCRIBE: each call then reads its one reply.
    set subs {pa {{subscribe foo}} pb {{subscribe a}} pc {{ssubscribe a}} pc {{psubscribe a}}
              pb {{subscribe a} {subscribe b}}}
    set clients {}
    foreach {user calls} $subs {
        set c [redis_client $level]
        $c auth $user x
        foreach call $calls {$c {*}$call}
        lappend clients $c
    }
    set alive {}
    foreach change {{pa resetchannels} {pb resetchannels &a &b &c} {pc resetchannels (&a)}
                    {pc resetchannels &b} {pb resetchannels &b} {pb reset on nopass}} {
        r $level acl setuser {*}$change
        set state {}
        foreach c $clients {lappend state [expr {[catch {$c ping}] ? "gone" : "up"}]}
        lappend alive $state
    }
    foreach c $clients {catch {$c close}}
    r $level acl deluser pa pb pc
    return $alive
}

start_server [list tags {acl} binary /usr/bin/redis-server] {
    start_server {tags {acl}} {
        test {SETUSER revoking channels disconnects the subscribers that lost them, as stock} {
            set stock [acl_pubsub_revoke_scenario -1]
            assert_equal $stock [acl_pubsub_revoke_scenario 0]
            # Each step took someone away: the scenario checks something.
            assert_equal {gone up up up up} [lindex $stock 0]
            assert_equal {gone gone up up gone} [lindex $stock end]
        }
    }
}

# Random rule lists applied to stock and to us: same replies, and the same
# flags, passwords, keys and channels (command rules are compared in
# tests/diff/acl.txt: their description depends on the whole command table).
proc acl_user_shape {level name} {
    set u [r $level acl getuser $name]
    if {$u eq {}} {return {}}
    set out [list [dict get $u flags] [dict get $u passwords] [dict get $u keys] [dict get $u channels]]
    foreach s [dict get $u selectors] {lappend out [dict get $s keys] [dict get $s channels]}
    return $out
}

start_server [list tags {acl} binary /usr/bin/redis-server] {
    start_server {tags {acl}} {
        test {Fuzzed SETUSER rule lists: replies and user shape match stock} {
            set words {on off nopass reset resetpass resetkeys resetchannels allkeys
                       allchannels clearselectors skip-sanitize-payload sanitize-payload
                       ~* ~k ~k* %R~r %W~w %RW~b %R %~x % & &* &c &c* >p1 >p2 <p1 <p9
                       #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
                       !5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
                       #abc (~s) (&z) (~q &q) ( ) {(~u} {v)} {} +get -get ON Off}
            set mismatches {}
            for {set i 0} {$i < 400} {incr i} {
                set args {}
                for {set j 0} {$j < 1 + int(rand()*5)} {incr j} {
                    lappend args [lindex $words [expr {int(rand()*[llength $words])}]]
                }
                set a [catch {r -1 acl setuser fz {*}$args} ra]
                set b [catch {r acl setuser fz {*}$args} rb]
                if {$a != $b || $ra ne $rb} {lappend mismatches "$args: stock=$ra ours=$rb"}
                set sa [acl_user_shape -1 fz]
                set sb [acl_user_shape 0 fz]
                if {$sa ne $sb} {lappend mismatches "$args: stock=$sa ours=$sb"}
                if {rand() < 0.2} {
                    r -1 acl deluser fz
                    r acl deluser fz
                }
            }
            assert_equal {} [lrange $mismatches 0 4]
        }
    }
}
