# A small blocking RESP2/RESP3 client written in plain Tcl.
#
#   set c [redis 127.0.0.1 6379]      ;# normal client: every command waits for its reply
#   set d [redis 127.0.0.1 6379 1]    ;# deferred client: commands only send, use $d read
#   $c set foo bar                    ;# -> OK
#   $c read                           ;# read one reply
#   $c write $raw ; $c flush          ;# send raw bytes (write already flushes)
#   $c readraw 1                      ;# replies come back as raw protocol lines
#   $c deferred 0|1                   ;# switch the deferred flag
#   $c channel                        ;# underlying Tcl socket
#   $c attributes                     ;# last RESP3 attribute seen (flat list)
#   $c close
#   set t [redis 127.0.0.1 6380 0 {-cafile ca.crt -certfile c.crt -keyfile c.key}]
#                                     ;# TLS (Debian tcl-tls): options go to tls::socket
#
# Reply mapping: status/integer/double/big number -> plain string, null -> {},
# boolean -> 1/0, bulk/verbatim -> string (verbatim without its "txt:" format
# prefix), array/set/push -> list, map/attribute -> flat key value list.
# An error reply raises a Tcl error whose message is the error text. When an
# error is nested inside an aggregate the whole aggregate is still consumed
# (so the connection stays in sync) and the first nested error is raised.
#
# Strings are sent and received byte for byte: the socket uses binary
# translation, so a Tcl string is treated as a sequence of 8-bit characters.

namespace eval ::redis {
    variable next_id 0
    variable fd
    variable deferred
    variable raw
    variable attrs
    variable nested_err
    variable open
}

proc redis {{host 127.0.0.1} {port 6379} {defer 0} {tlsopts {}}} {
    if {[llength $tlsopts]} {
        package require tls
        set fd [tls::socket {*}$tlsopts $host $port]
        tls::handshake $fd
    } else {
        set fd [socket $host $port]
    }
    fconfigure $fd -translation binary -buffering full -blocking 1
    set id [incr ::redis::next_id]
    set ::redis::fd($id) $fd
    set ::redis::deferred($id) $defer
    set ::redis::raw($id) 0
    set ::redis::attrs($id) {}
    set ::redis::open($id) 1
    set handle ::redis::handle$id
    interp alias {} $handle {} ::redis::dispatch $id
    return $handle
}

# True while the handle's connection has not been closed or hit EOF.
proc ::redis::is_open {handle} {
    if {![regexp {^::redis::handle(\d+)$} $handle -> id]} {return 0}
    if {![info exists ::redis::open($id)]} {return 0}
    return $::redis::open($id)
}

proc ::redis::dispatch {id method args} {
    variable fd
    if {![info exists fd($id)]} {
        error "redis handle $id is closed"
    }
    set sock $fd($id)
    switch -exact -- $method {
        close {
            ::redis::forget $id
            return
        }
        read {
            return [::redis::read_top $id]
        }
        write {
            puts -nonewline $sock [lindex $args 0]
            flush $sock
            return
        }
        flush {
            flush $sock
            return
        }
        readraw {
            set ::redis::raw($id) [lindex $args 0]
            return
        }
        deferred {
            set ::redis::deferred($id) [lindex $args 0]
            return
        }
        channel {
            return $sock
        }
        attributes {
            return $::redis::attrs($id)
        }
    }
    # Anything else is a Redis command.
    set argv [linsert $args 0 $method]
    set buf "*[llength $argv]\r\n"
    foreach a $argv {
        append buf "\$[string length $a]\r\n$a\r\n"
    }
    if {[catch {puts -nonewline $sock $buf; flush $sock} err]} {
        set ::redis::open($id) 0
        error "I/O error writing to server: $err"
    }
    if {$::redis::deferred($id)} return
    return [::redis::read_top $id]
}

proc ::redis::forget {id} {
    variable fd
    catch {close $fd($id)}
    unset -nocomplain fd($id) ::redis::deferred($id) ::redis::raw($id) \
        ::redis::attrs($id) ::redis::nested_err($id)
    set ::redis::open($id) 0
    catch {interp alias {} ::redis::handle$id {}}
}

# Read one line from the server without its CRLF terminator.
proc ::redis::getline {id} {
    set sock $::redis::fd($id)
    if {[gets $sock line] < 0 && [eof $sock]} {
        set ::redis::open($id) 0
        error "I/O error reading reply"
    }
    if {[string index $line end] eq "\r"} {
        set line [string range $line 0 end-1]
    }
    return $line
}

proc ::redis::getbulk {id len} {
    set sock $::redis::fd($id)
    set data [read $sock $len]
    if {[string length $data] != $len} {
        set ::redis::open($id) 0
        error "I/O error reading reply"
    }
    # trailing CRLF
    if {[string length [read $sock 2]] != 2} {
        set ::redis::open($id) 0
        error "I/O error reading reply"
    }
    return $data
}

# Read a full reply and raise the error if there was one.
proc ::redis::read_top {id} {
    if {$::redis::raw($id)} {
        return [::redis::getline $id]
    }
    set ::redis::nested_err($id) {}
    set v [::redis::read_value $id 0]
    if {$::redis::nested_err($id) ne {}} {
        set e $::redis::nested_err($id)
        set ::redis::nested_err($id) {}
        return -code error $e
    }
    return $v
}

proc ::redis::read_value {id depth} {
    set line [::redis::getline $id]
    set type [string index $line 0]
    set body [string range $line 1 end]
    switch -exact -- $type {
        + - : - ( {
            return $body
        }
        , {
            return $body
        }
        _ {
            return {}
        }
        # {
            return [expr {$body eq "t" ? 1 : 0}]
        }
        - {
            return [::redis::got_error $id $depth $body]
        }
        $ {
            if {$body < 0} {return {}}
            return [::redis::getbulk $id $body]
        }
        = {
            set s [::redis::getbulk $id $body]
            # Verbatim strings start with a three letter format and a colon.
            return [string range $s 4 end]
        }
        ! {
            return [::redis::got_error $id $depth [::redis::getbulk $id $body]]
        }
        * - ~ - > {
            if {$body < 0} {return {}}
            set out {}
            for {set i 0} {$i < $body} {incr i} {
                lappend out [::redis::read_value $id [expr {$depth + 1}]]
            }
            return $out
        }
        % {
            if {$body < 0} {return {}}
            set out {}
            for {set i 0} {$i < 2 * $body} {incr i} {
                lappend out [::redis::read_value $id [expr {$depth + 1}]]
            }
            return $out
        }
        | {
            # Attribute: remember it, then the real reply follows.
            set a {}
            for {set i 0} {$i < 2 * $body} {incr i} {
                lappend a [::redis::read_value $id [expr {$depth + 1}]]
            }
            set ::redis::attrs($id) $a
            return [::redis::read_value $id $depth]
        }
        default {
            set ::redis::open($id) 0
            error "protocol error: unexpected reply line '$line'"
        }
    }
}

proc ::redis::got_error {id depth msg} {
    if {$depth == 0} {
        return -code error $msg
    }
    if {$::redis::nested_err($id) eq {}} {
        set ::redis::nested_err($id) $msg
    }
    return $msg
}
