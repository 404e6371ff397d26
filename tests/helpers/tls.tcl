# TLS test helpers: certificates made with the openssl CLI (one CA "ca"
# signing server and client certificates, a second CA "otherca" whose
# "stranger" certificate nobody trusts), the tls-* overrides of a server,
# and stock redis-cli over TLS.
#
#   tls_supported            1 unless the server was built with BUILD_TLS=no
#   tls_setup                makes ::tlsdir with ca, otherca, server, client, stranger
#   tls_cleanup              removes it
#   tlsf name                path of a file in ::tlsdir
#   tls_overrides tls_port   tls-port + server certificate + CA directives
#   tls_cli port cert args   redis-cli --tls (cert: basename or ""): {exitcode output}

proc tls_openssl {dir args} {
    # openssl chats on stderr even when all is well; exec fails on a bad exit.
    exec openssl {*}$args >/dev/null 2>@1
}

# Key + certificate `name` signed by the CA `ca` (both in dir).
proc tls_gen_cert {dir ca name cn} {
    set k [file join $dir $name.key]
    set csr [file join $dir $name.csr]
    tls_openssl $dir genrsa -out $k 2048
    tls_openssl $dir req -new -sha256 -subj "/O=Redis Test/CN=$cn" -key $k -out $csr
    tls_openssl $dir x509 -req -sha256 -in $csr -days 2 -set_serial [clock microseconds] \
        -CA [file join $dir $ca.crt] -CAkey [file join $dir $ca.key] -out [file join $dir $name.crt]
}

proc tls_gen_ca {dir name} {
    set k [file join $dir $name.key]
    tls_openssl $dir genrsa -out $k 2048
    tls_openssl $dir req -x509 -new -nodes -sha256 -key $k -days 2 \
        -subj "/O=Redis Test/CN=$name" -out [file join $dir $name.crt]
}

# A server built with BUILD_TLS=no has no tls-* directives.
proc tls_supported {} {
    set ok 0
    start_server {tags {tls}} {
        set ok [llength [r config get tls-port]]
    }
    return $ok
}

proc tls_setup {} {
    set ::tlsdir [file normalize [file join $::tests_root tmp tls.[pid]]]
    file mkdir $::tlsdir
    tls_gen_ca $::tlsdir ca
    tls_gen_ca $::tlsdir otherca
    tls_gen_cert $::tlsdir ca server server
    tls_gen_cert $::tlsdir ca client client
    tls_gen_cert $::tlsdir otherca stranger stranger
}

proc tls_cleanup {} {
    file delete -force $::tlsdir
}

proc tlsf {name} { file join $::tlsdir $name }

proc tls_overrides {tls_port} {
    list tls-port $tls_port tls-cert-file [tlsf server.crt] tls-key-file [tlsf server.key] \
        tls-ca-cert-file [tlsf ca.crt]
}

# redis-cli over TLS; `cert` is a certificate basename or "" for none.
# Returns {exitcode output}.
proc tls_cli {port cert args} {
    set cmd [list redis-cli --tls -p $port --cacert [tlsf ca.crt]]
    if {$cert ne ""} {lappend cmd --cert [tlsf $cert.crt] --key [tlsf $cert.key]}
    set rc [catch {exec {*}$cmd {*}$args 2>@1} out]
    list $rc [string trim $out]
}
