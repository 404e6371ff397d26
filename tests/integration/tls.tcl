# TLS on tls-port (src/tls.c), driven by stock tools: redis-cli --tls,
# redis-benchmark --tls, openssl s_client, and the framework's own client in
# TLS mode (tcl-tls). The certificates are made here with the openssl CLI:
# one CA that signs the server and client certificates, a second server
# certificate for the reload test, and a client certificate from another CA
# that the server must not trust.

source [file join $::tests_root helpers tls.tcl]

if {![tls_supported]} {
    test {TLS: not compiled in (BUILD_TLS=no)} { skip "server built without TLS" }
    return
}

tls_setup
tls_gen_cert $::tlsdir ca server2 server2
tls_openssl $::tlsdir rsa -in [file join $::tlsdir server.key] -aes256 -passout pass:sekret \
    -out [file join $::tlsdir server.enc.key]
tls_openssl $::tlsdir rsa -in [file join $::tlsdir client.key] -aes256 -passout pass:csekret \
    -out [file join $::tlsdir client.enc.key]
# A named group: instant, unlike generating fresh DH parameters.
tls_openssl $::tlsdir genpkey -genparam -algorithm DH -pkeyopt dh_param:ffdhe2048 \
    -out [file join $::tlsdir dh.pem]

# The subject CN of the certificate the server presents, via s_client.
proc tls_server_cn {port {proto {}}} {
    set cmd [list openssl s_client -connect 127.0.0.1:$port -brief -CAfile [tlsf ca.crt] \
                 -cert [tlsf client.crt] -key [tlsf client.key]]
    if {$proto ne ""} {lappend cmd $proto}
    catch {exec {*}$cmd < /dev/null 2>@1} out
    if {[regexp {Peer certificate:[^\n]*CN ?= ?([^,\n]+)} $out -> cn]} {return [string trim $cn]}
    return "handshake failed"
}

# What an s_client handshake with `args` negotiated ("Protocol version ...
# Ciphersuite ... Server Temp Key ..."), "" when it failed.
proc tls_handshake {port args} {
    set cmd [list openssl s_client -connect 127.0.0.1:$port -brief -CAfile [tlsf ca.crt] \
                 -cert [tlsf client.crt] -key [tlsf client.key] {*}$args]
    catch {exec {*}$cmd < /dev/null 2>@1} out
    join [lsearch -all -inline -regexp [split $out \n] {^(Protocol version|Ciphersuite|Server Temp Key):}] "; "
}

# TLSv1.2 session resumption (session tickets): tls_session_save stores
# the session of a fresh connection in a file, tls_session_resume offers it
# again and says "Reused" or "New".
proc tls_s_client12 {port} {
    list openssl s_client -connect 127.0.0.1:$port -tls1_2 -CAfile [tlsf ca.crt] \
        -cert [tlsf client.crt] -key [tlsf client.key]
}

proc tls_session_save {port} {
    set sess [tlsf sess.$port]
    file delete $sess
    catch {exec {*}[tls_s_client12 $port] -sess_out $sess < /dev/null 2>@1}
    assert {[file exists $sess]}
    return $sess
}

proc tls_session_resume {port sess} {
    catch {exec {*}[tls_s_client12 $port] -sess_in $sess < /dev/null 2>@1} out
    if {[regexp -line {^(Reused|New),} $out -> how]} {return $how}
    return "handshake failed"
}

set tls_port [find_available_port]
start_server [list tags {tls} overrides [list \
        tls-port $tls_port \
        tls-cert-file [tlsf server.crt] tls-key-file [tlsf server.key] \
        tls-ca-cert-file [tlsf ca.crt] loglevel verbose]] {

    test {TLS: redis-cli --tls with a client certificate; plain port still works} {
        assert_equal {0 PONG} [tls_cli $tls_port client ping]
        assert_equal {0 OK} [tls_cli $tls_port client set tlskey hello]
        assert_equal hello [r get tlskey]
        r set plainkey world
        assert_equal {0 world} [tls_cli $tls_port client get plainkey]
        # INFO reports the TCP port as tcp_port, as stock does.
        lassign [tls_cli $tls_port client info server] rc out
        assert_match "*tcp_port:[srv 0 port]*" $out
    }

    test {TLS: CLIENT LIST shows a TLS client like a TCP one} {
        lassign [tls_cli $tls_port client client list] rc out
        assert_equal 0 $rc
        assert_match "*laddr=127.0.0.1:$tls_port *flags=N*cmd=client|list*" $out
    }

    test {TLS: tls-auth-clients yes rejects a client without a certificate} {
        set from [count_log_lines 0]
        lassign [tls_cli $tls_port "" ping] rc out
        assert_not_equal {0 PONG} [list $rc $out]
        wait_for_log_messages 0 {"*Error accepting a client connection*peer did not return a certificate*"} $from 100 20
    }

    test {TLS: tls-auth-clients optional accepts no certificate but not an untrusted one} {
        r config set tls-auth-clients optional
        assert_equal {0 PONG} [tls_cli $tls_port "" ping]
        assert_equal {0 PONG} [tls_cli $tls_port client ping]
        assert_not_equal {0 PONG} [tls_cli $tls_port stranger ping]
        r config set tls-auth-clients no
        assert_equal {0 PONG} [tls_cli $tls_port "" ping]
        r config set tls-auth-clients yes
        assert_not_equal {0 PONG} [tls_cli $tls_port "" ping]
    }

    test {TLS: tls-protocols restricts the protocol versions} {
        assert_equal server [tls_server_cn $tls_port -tls1_2]
        r config set tls-protocols TLSv1.3
        assert_equal "handshake failed" [tls_server_cn $tls_port -tls1_2]
        assert_equal server [tls_server_cn $tls_port -tls1_3]
        r config set tls-protocols "TLSv1.2"
        assert_equal "handshake failed" [tls_server_cn $tls_port -tls1_3]
        assert_equal server [tls_server_cn $tls_port -tls1_2]
        assert_error {*Unable to update TLS configuration*} {r config set tls-protocols SSLv2}
        assert_equal TLSv1.2 [lindex [r config get tls-protocols] 1]
        r config set tls-protocols ""
        assert_equal server [tls_server_cn $tls_port -tls1_3]
    }

    test {TLS: tls-ciphers, tls-ciphersuites, tls-prefer-server-ciphers pick the cipher} {
        set aes128 ECDHE-RSA-AES128-GCM-SHA256
        set aes256 ECDHE-RSA-AES256-GCM-SHA384
        r config set tls-ciphers "$aes128:$aes256"
        assert_match "*Ciphersuite: $aes256*" [tls_handshake $tls_port -tls1_2 -cipher "$aes256:$aes128"]
        r config set tls-prefer-server-ciphers yes
        assert_match "*Ciphersuite: $aes128*" [tls_handshake $tls_port -tls1_2 -cipher "$aes256:$aes128"]
        r config set tls-ciphers $aes128
        assert_equal {} [tls_handshake $tls_port -tls1_2 -cipher $aes256]
        # TLSv1.3 suites are a separate list.
        r config set tls-ciphersuites TLS_CHACHA20_POLY1305_SHA256
        assert_match "*Ciphersuite: TLS_CHACHA20_POLY1305_SHA256*" [tls_handshake $tls_port -tls1_3]
        assert_equal {} [tls_handshake $tls_port -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256]
        assert_error {*Unable to update TLS configuration*} {r config set tls-ciphers NOSUCH}
        assert_error {*Unable to update TLS configuration*} {r config set tls-ciphersuites NOSUCH}
        assert_equal TLS_CHACHA20_POLY1305_SHA256 [lindex [r config get tls-ciphersuites] 1]
        r config set tls-ciphers "" tls-ciphersuites "" tls-prefer-server-ciphers no
        assert_match "*Ciphersuite: TLS_AES_256_GCM_SHA384*" [tls_handshake $tls_port -tls1_3]
    }

    test {TLS: tls-dh-params-file serves DHE ciphers; a missing file is refused} {
        r config set tls-dh-params-file [tlsf dh.pem] tls-ciphers DHE-RSA-AES128-GCM-SHA256
        assert_match "*Ciphersuite: DHE-RSA-AES128-GCM-SHA256*Server Temp Key: DH, 2048 bits*" \
            [tls_handshake $tls_port -tls1_2]
        assert_error {*Unable to update TLS configuration*} {r config set tls-dh-params-file /nonexistent.pem}
        assert_equal [tlsf dh.pem] [lindex [r config get tls-dh-params-file] 1]
        r config set tls-dh-params-file "" tls-ciphers ""
    }

    test {TLS: sessions resume; tls-session-cache-timeout expires them} {
        assert_equal Reused [tls_session_resume $tls_port [tls_session_save $tls_port]]
        r config set tls-session-cache-timeout 1
        set sess [tls_session_save $tls_port]
        wait_for_condition 50 100 {[tls_session_resume $tls_port $sess] eq "New"} else {
            fail "a session was still resumed after tls-session-cache-timeout 1"
        }
        r config set tls-session-cache-timeout 300 tls-session-cache-size 100
        assert_equal Reused [tls_session_resume $tls_port [tls_session_save $tls_port]]
        r config set tls-session-cache-size 20480
    }

    test {TLS: CONFIG SET tls-cert-file reloads; a failed reload keeps the old context} {
        set opts [list -cafile [tlsf ca.crt] -certfile [tlsf client.crt] -keyfile [tlsf client.key]]
        set old [redis 127.0.0.1 $tls_port 0 $opts]
        assert_equal PONG [$old ping]
        r config set tls-cert-file [tlsf server2.crt] tls-key-file [tlsf server2.key]
        assert_equal server2 [tls_server_cn $tls_port]
        assert_equal PONG [$old ping] ;# established sessions are not affected
        $old close
        # A key that does not match the certificate, a missing file: errors,
        # values rolled back, and the server2 certificate still served.
        assert_error {*Unable to update TLS configuration*} {r config set tls-key-file [tlsf server.key]}
        assert_error {*Unable to update TLS configuration*} {r config set tls-cert-file /nonexistent.crt}
        assert_equal [tlsf server2.crt] [lindex [r config get tls-cert-file] 1]
        assert_equal server2 [tls_server_cn $tls_port]
        verify_log_message 0 "*Failed to load certificate: /nonexistent.crt*" 0
        assert_equal {0 PONG} [tls_cli $tls_port client ping]
    }

    test {TLS: an encrypted key loads with tls-key-file-pass, not without} {
        assert_error {*Unable to update TLS configuration*} {r config set tls-key-file [tlsf server.enc.key]}
        r config set tls-cert-file [tlsf server.crt] tls-key-file [tlsf server.enc.key] tls-key-file-pass sekret
        assert_equal server [tls_server_cn $tls_port]
        assert_error {*Unable to update TLS configuration*} {r config set tls-key-file-pass wrong}
        assert_equal {0 PONG} [tls_cli $tls_port client ping]
        # CONFIG GET shows the passphrase, as stock does.
        assert_equal sekret [lindex [r config get tls-key-file-pass] 1]
    }

    test {TLS: 1MB values with pipelining (SET/GET, reads spanning records)} {
        set opts [list -cafile [tlsf ca.crt] -certfile [tlsf client.crt] -keyfile [tlsf client.key]]
        set c [redis 127.0.0.1 $tls_port 1 $opts]
        set v [string repeat "0123456789abcdef" 65536]
        for {set i 0} {$i < 4} {incr i} {
            $c set big:$i "$i$v"
            $c get big:$i
        }
        $c ping
        for {set i 0} {$i < 4} {incr i} {
            assert_equal OK [$c read]
            assert_equal "$i$v" [$c read]
        }
        assert_equal PONG [$c read]
        $c close
        # And a stock client reading a big reply.
        lassign [tls_cli $tls_port client strlen big:3] rc out
        assert_equal {0 1048577} [list $rc $out]
    }

    test {TLS: redis-benchmark --tls runs without errors} {
        set out [exec redis-benchmark --tls -p $tls_port --cacert [tlsf ca.crt] \
                     --cert [tlsf client.crt] --key [tlsf client.key] \
                     -q -n 2000 -c 10 -P 8 -t ping,set,get --csv 2>@1]
        assert_no_match "*rror*" $out
        set lines [lrange [split [string trim $out] "\n"] 1 end]
        assert_equal 4 [llength $lines] ;# PING_INLINE, PING_MBULK, SET, GET
        foreach line $lines {
            assert_morethan [string trim [lindex [split $line ,] 1] \"] 0
        }
    }

    test {TLS: CONFIG SET tls-port moves the listener, 0 closes it} {
        set newport [find_available_port]
        r config set tls-port $newport
        assert_equal {0 PONG} [tls_cli $newport client ping]
        assert_not_equal {0 PONG} [tls_cli $tls_port client ping]
        r config set tls-port 0
        assert_not_equal {0 PONG} [tls_cli $newport client ping]
        r config set tls-port $tls_port
        assert_equal {0 PONG} [tls_cli $tls_port client ping]
    }

    test {TLS: CONFIG SET bind moves the TLS listener too} {
        r config set bind 127.0.0.2
        set c [redis 127.0.0.2 [srv 0 port]]
        assert_match {1 *} [tls_cli $tls_port client ping]
        set rc [catch {exec redis-cli --tls -h 127.0.0.2 -p $tls_port --cacert [tlsf ca.crt] \
                           --cert [tlsf client.crt] --key [tlsf client.key] ping 2>@1} out]
        assert_equal {0 PONG} [list $rc $out]
        $c config set bind 127.0.0.1
        $c close
        assert_equal {0 PONG} [tls_cli $tls_port client ping]
    }
}

start_server {tags {tls}} {
    test {TLS: enabled at run time with CONFIG SET; a CA is needed once clients are verified} {
        set p [find_available_port]
        # No certificate yet: the port cannot be opened.
        assert_error {*Unable to update TLS configuration*} {r config set tls-port $p}
        assert_equal 0 [lindex [r config get tls-port] 1]
        r config set tls-cert-file [tlsf server.crt] tls-key-file [tlsf server.key] tls-auth-clients no
        r config set tls-port $p
        assert_equal {0 PONG} [tls_cli $p "" ping]
        # tls-auth-clients applies to the next connections only and is
        # accepted without a CA (stock too): nobody can then be verified.
        r config set tls-auth-clients yes
        assert_not_equal {0 PONG} [tls_cli $p "" ping]
        assert_not_equal {0 PONG} [tls_cli $p client ping]
        # With tls-auth-clients on, other changes now need a CA.
        assert_error {*Unable to update TLS configuration*} {r config set tls-protocols TLSv1.3}
        r config set tls-ca-cert-file [tlsf ca.crt]
        assert_equal {0 PONG} [tls_cli $p client ping]
    }
}

# ---------------------------------------------------------------------------
# tls-ca-cert-dir and the session cache directives, each run on our server
# and on stock 7.0.15 side by side: the same handshakes must succeed or fail
# and CONFIG GET must answer the same.

# A directory of CA certificates named by subject hash, as OpenSSL's
# directory lookup wants them (`openssl rehash`, c_rehash on old OpenSSL).
proc tls_hashed_ca_dir {name cas} {
    set dir [tlsf $name]
    file mkdir $dir
    foreach ca $cas { file copy -force [tlsf $ca.crt] $dir }
    if {[catch {exec openssl rehash $dir 2>@1}]} { exec c_rehash $dir >/dev/null 2>@1 }
    assert {[llength [glob -nocomplain -directory $dir *.0]] == [llength $cas]}
    return $dir
}

# Overrides of a TLS server that trusts the CAs of `cadir` only.
proc tls_cadir_overrides {tls_port cadir} {
    list tls-port $tls_port tls-cert-file [tlsf server.crt] tls-key-file [tlsf server.key] \
        tls-ca-cert-dir $cadir
}

# Which of the client certificates (client: signed by ca, stranger: by
# otherca) get a PONG from `port`.
proc tls_accepted_certs {port} {
    set ok {}
    foreach cert {client stranger} {
        if {[tls_cli $port $cert ping] eq {0 PONG}} {lappend ok $cert}
    }
    return $ok
}

# CONFIG GET of each directive, one at a time (a glob's order is the
# config table's, which differs from stock's).
proc tls_config_values {level names} {
    set out {}
    foreach name $names { lappend out [r $level config get $name] }
    return $out
}

set ::tls_cache_directives {tls-session-caching tls-session-cache-size tls-session-cache-timeout}

if {[file executable /usr/bin/redis-server]} {
    set cadir [tls_hashed_ca_dir cadir {ca}]
    set otherdir [tls_hashed_ca_dir othercadir {otherca}]
    set our_tls [find_available_port]
    start_server [list tags {tls} overrides [tls_cadir_overrides $our_tls $cadir]] {
        set stock_tls [find_available_port]
        start_server [list tags {tls} binary /usr/bin/redis-server \
                          overrides [tls_cadir_overrides $stock_tls $cadir]] {
            # level -1: ours, 0: stock
            set ports [list -1 $our_tls 0 $stock_tls]

            test {TLS: tls-ca-cert-dir alone trusts the hashed CAs in it, like stock} {
                foreach {level port} $ports {
                    assert_equal {{tls-ca-cert-file {}}} [list [r $level config get tls-ca-cert-file]]
                    assert_equal client [tls_accepted_certs $port]
                }
                # Another directory, another CA: the other certificate is trusted now.
                foreach {level port} $ports {
                    r $level config set tls-ca-cert-dir $otherdir
                    assert_equal stranger [tls_accepted_certs $port]
                }
                assert_equal [tls_config_values 0 {tls-ca-cert-dir tls-ca-cert-file}] \
                    [tls_config_values -1 {tls-ca-cert-dir tls-ca-cert-file}]
                # OpenSSL reads the directory only when verifying: a missing
                # one is accepted (stock too) and then trusts nobody; no
                # directory and no file at all is refused.
                foreach {level port} $ports {
                    r $level config set tls-ca-cert-dir /nonexistent-ca-dir
                    assert_equal {} [tls_accepted_certs $port]
                    assert_error {*Unable to update TLS configuration*} \
                        {r $level config set tls-ca-cert-dir ""}
                    assert_equal /nonexistent-ca-dir [lindex [r $level config get tls-ca-cert-dir] 1]
                    r $level config set tls-ca-cert-dir $cadir
                    assert_equal client [tls_accepted_certs $port]
                }
            }

            test {TLS: tls-session-caching no stops resumption, like stock} {
                assert_equal [tls_config_values 0 $::tls_cache_directives] \
                    [tls_config_values -1 $::tls_cache_directives]
                foreach {level port} $ports {
                    assert_equal Reused [tls_session_resume $port [tls_session_save $port]]
                    r $level config set tls-session-caching no
                    assert_equal New [tls_session_resume $port [tls_session_save $port]]
                }
                assert_equal [tls_config_values 0 $::tls_cache_directives] \
                    [tls_config_values -1 $::tls_cache_directives]
                foreach {level port} $ports {
                    r $level config set tls-session-caching yes
                    assert_equal Reused [tls_session_resume $port [tls_session_save $port]]
                }
            }

            test {TLS: tls-session-cache-size and -timeout set and read back like stock} {
                foreach {level port} $ports {
                    r $level config set tls-session-cache-size 1 tls-session-cache-timeout 60
                    # TLSv1.2 sessions come back as tickets, which the size
                    # does not limit: both stock and ours still resume.
                    set first [tls_session_save $port]
                    set second [tls_session_save $port]
                    assert_equal {Reused Reused} [list [tls_session_resume $port $first] \
                                                       [tls_session_resume $port $second]]
                    set errs($level) {}
                    foreach name {tls-session-cache-size tls-session-cache-timeout} {
                        assert_equal 1 [catch {r $level config set $name -1} e]
                        lappend errs($level) $e
                    }
                }
                assert_equal $errs(0) $errs(-1)
                assert_equal [tls_config_values 0 $::tls_cache_directives] \
                    [tls_config_values -1 $::tls_cache_directives]
                # In a config file too.
                foreach {level port} $ports {
                    r $level config rewrite
                    set conf [exec cat [srv $level config_file]]
                    assert_match "*tls-session-cache-size 1*" $conf
                    assert_match "*tls-session-cache-timeout 60*" $conf
                }
            }
        }
    }
}

test {TLS: start-up fails like stock on missing or bad TLS files} {
    set port [find_available_port]
    set tport [find_available_port]
    catch {exec $::server_binary --port $port --tls-port $tport --save {} 2>@1} out
    assert_match "*No tls-cert-file configured!*Failed to configure TLS. Check logs for more info.*" $out
    catch {exec $::server_binary --port $port --tls-port $tport --save {} \
               --tls-cert-file /nonexistent.crt --tls-key-file [tlsf server.key] \
               --tls-ca-cert-file [tlsf ca.crt] 2>@1} out
    assert_match "*Failed to load certificate: /nonexistent.crt:*" $out
    catch {exec $::server_binary --port $port --tls-port $tport --save {} \
               --tls-cert-file [tlsf server.crt] --tls-key-file [tlsf server.key] 2>@1} out
    assert_match "*Either tls-ca-cert-file or tls-ca-cert-dir must be specified*" $out
    # tls-replication / tls-cluster alone (no tls-port) need certificates
    # and a CA too.
    catch {exec $::server_binary --port $port --save {} --tls-cluster yes --cluster-enabled yes 2>@1} out
    assert_match "*No tls-cert-file configured!*Failed to configure TLS. Check logs for more info.*" $out
    catch {exec $::server_binary --port $port --save {} --tls-replication yes \
               --tls-cert-file [tlsf server.crt] --tls-key-file [tlsf server.key] 2>@1} out
    assert_match "*Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication*" $out
}

# ---------------------------------------------------------------------------
# Replication over TLS (tls-replication) against stock 7.0.15, both ways:
# full syncs (diskless through our RDB relay, and from disk), partial
# resyncs after either side dropped the link, data compared by DEBUG DIGEST.

set ::stock_server /usr/bin/redis-server

proc tls_link_up {rep} {
    expr {[status $rep master_link_status] eq "up"}
}

proc tls_wait_synced {m rep} {
    wait_for_condition 100 100 {
        [tls_link_up $rep] && [$m debug digest] eq [$rep debug digest]
    } else {
        fail "replica not in sync: link [status $rep master_link_status], [$m debug digest] vs [$rep debug digest]"
    }
}

# The replica, then the master, drops the link; each time the replica
# catches up. Returns how many partial resyncs the master served meanwhile
# (mlevel: the master's server level) and checks there was no full sync.
proc tls_drop_links {m rep mlevel others} {
    set full [s $mlevel sync_full]
    set partial [s $mlevel sync_partial_ok]
    $rep client kill type master
    $m incr counter
    tls_wait_synced $m $rep
    $m client kill type replica
    $m incr counter
    foreach r [concat [list $rep] $others] { tls_wait_synced $m $r }
    assert_equal $full [s $mlevel sync_full]
    expr {[s $mlevel sync_partial_ok] - $partial}
}

# Promoted and pointed back at the master, a replica has a new history:
# it gets a full sync (checked on the master's counter).
proc tls_full_resync {m rep mport mlevel} {
    set full [s $mlevel sync_full]
    $rep replicaof no one
    $rep replicaof 127.0.0.1 $mport
    tls_wait_synced $m $rep
    assert_equal [expr {$full + 1}] [s $mlevel sync_full]
}

if {![file executable $::stock_server]} {
    test {TLS replication against stock} { skip "no $::stock_server" }
    tls_cleanup
    return
}

set mport [find_available_port]
start_server [list tags {tls repl} overrides [concat [tls_overrides $mport] {
        repl-diskless-sync yes repl-diskless-sync-delay 5 repl-diskless-sync-max-replicas 2}]] {
    set m [srv 0 client]
    # ~2.5MB: the relay moves it in many pipe chunks.
    $m debug populate 20000 key 100
    set sport [find_available_port]
    start_server [list tags {tls repl} binary $::stock_server \
                      overrides [concat [tls_overrides $sport] {tls-replication yes}]] {
        set stock [srv 0 client]
        start_server {tags {tls repl}} {
            set plain [srv 0 client]

            test {TLS replication: one diskless snapshot to a stock TLS replica and a plain one} {
                $stock replicaof 127.0.0.1 $mport
                $plain replicaof 127.0.0.1 [srv -2 port]
                tls_wait_synced $m $stock
                tls_wait_synced $m $plain
                assert_equal 2 [s -2 sync_full]
                set forks [regexp -all {Starting BGSAVE for SYNC with target: replicas sockets} \
                               [exec cat [srv -2 stdout]]]
                assert_equal 1 $forks
                # A TLS replica announces its TLS port (stock does).
                assert_match "*slave*port=$sport,state=online*" [$m info replication]
                $m set after-sync v
                wait_for_condition 50 100 {[$stock get after-sync] eq "v"} else { fail "stream not replicated" }
            }

            test {TLS replication: partial resyncs after the replica or the master drops the link} {
                # The stock replica twice, the plain one once.
                assert_equal 3 [tls_drop_links $m $stock -2 [list $plain]]
            }

            test {TLS replication: a disk-based full sync to the stock TLS replica} {
                $m config set repl-diskless-sync no
                tls_full_resync $m $stock $mport -2
                assert_match "*Starting BGSAVE for SYNC with target: disk*" [exec cat [srv -2 stdout]]
            }

            test {TLS replication: redis-cli --tls --functions-rdb gets functions only, via the relay} {
                $m function load "#!lua name=tlsfilt\nredis.register_function('tf', function() return 1 end)"
                $m config set repl-diskless-sync-delay 0
                foreach diskless {no yes} {
                    $m config set repl-diskless-sync $diskless
                    set file [tlsf functions.$diskless.rdb]
                    lassign [tls_cli $mport client --functions-rdb $file] rc out
                    assert_equal 0 $rc $out
                    set check [exec redis-check-rdb $file]
                    assert_match {*RDB looks OK!*\[info\] 0 keys read*} $check
                    assert_match {*name=tlsfilt*} [read_binary $file]
                }
                # The filtered children left the stock replica's stream alone.
                $m set after-filter v
                wait_for_condition 50 100 {[$stock get after-filter] eq "v"} else { fail "stream not replicated" }
                $m function delete tlsfilt
            }
        }
    }
}

# Our replica presents tls-client-cert-file to the master: its own
# tls-cert-file comes from a CA the stock master does not trust.
set mport [find_available_port]
start_server [list tags {tls repl} binary $::stock_server overrides [concat [tls_overrides $mport] {
        repl-diskless-sync yes repl-diskless-sync-delay 0}]] {
    set m [srv 0 client]
    $m debug populate 20000 key 100
    set rport [find_available_port]
    start_server [list tags {tls repl} overrides [list tls-port $rport \
            tls-cert-file [tlsf stranger.crt] tls-key-file [tlsf stranger.key] \
            tls-client-cert-file [tlsf client.crt] tls-client-key-file [tlsf client.key] \
            tls-ca-cert-file [tlsf ca.crt] tls-replication yes]] {
        set rep [srv 0 client]

        test {TLS replication: our replica of a stock TLS master (client certificate)} {
            $rep replicaof 127.0.0.1 $mport
            tls_wait_synced $m $rep
            assert_match "*slave*port=$rport,state=online*" [$m info replication]
            $m set k v
            wait_for_condition 50 100 {[$rep get k] eq "v"} else { fail "stream not replicated" }
        }

        test {TLS replication: our replica resyncs partially after either side drops the link} {
            assert_equal 2 [tls_drop_links $m $rep -1 {}]
        }

        test {TLS replication: our replica loads a full sync straight from the TLS socket} {
            $rep config set repl-diskless-load swapdb
            tls_full_resync $m $rep $mport -1
            verify_log_message 0 "*receiving streamed RDB from master with EOF to parser*" 0
            $rep config set repl-diskless-load disabled
        }

        test {TLS replication: without tls-client-cert-file the untrusted certificate is refused} {
            $rep config set tls-client-cert-file "" tls-client-key-file ""
            set from [count_log_lines -1]
            $rep client kill type master
            wait_for_log_messages -1 {"*Error accepting a client connection*certificate verify failed*"} $from 100 50
            assert_equal 0 [tls_link_up $rep]
            $rep config set tls-client-cert-file [tlsf client.crt] tls-client-key-file [tlsf client.key]
            $m incr counter
            tls_wait_synced $m $rep
        }

        test {TLS replication: an encrypted client key needs tls-client-key-file-pass} {
            assert_error {*Unable to update TLS configuration*} \
                {$rep config set tls-client-key-file [tlsf client.enc.key]}
            $rep config set tls-client-key-file [tlsf client.enc.key] tls-client-key-file-pass csekret
            assert_error {*Unable to update TLS configuration*} {$rep config set tls-client-key-file-pass wrong}
            # The new link presents the certificate whose key was decrypted.
            $rep client kill type master
            $m incr counter
            tls_wait_synced $m $rep
        }
    }
}

tls_cleanup
