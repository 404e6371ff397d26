# The Kubernetes manifests (k8s/): every base and overlay renders with
# kustomize and validates offline against the Kubernetes API schemas
# (npm kubernetes-models), and the scripts the ConfigMaps carry behave as
# documented. Scripts are always taken from the rendered YAML, never from
# k8s/base/scripts directly, so the test sees what a cluster would run
# (helpers in tests/helpers/k8s.tcl; the scripts running a whole cluster in
# the NAT lab: tests/nat/k8s.tcl).

source [file join $::tests_root helpers k8s.tcl]

tags {k8s} {
    foreach overlay {base overlays/nodeport overlays/hostnetwork} {
        test "k8s: $overlay renders and validates against the API schemas" {
            k8s_needs
            set out [k8s_validate [k8s_render $overlay]]
            assert_match "*ok StatefulSet/redis*" $out
            assert_match "*ok Service/redis-headless*" $out
            assert_match "*ok PodDisruptionBudget/redis*" $out
            assert_match "*ok Job/redis-bootstrap*" $out
            assert_no_match "*FAIL*" $out
        }
    }

    test {k8s: the validator rejects a malformed StatefulSet} {
        k8s_needs
        set bad [string map {"replicas: 6" "replicas: six"} [k8s_render base]]
        assert_error "*FAIL StatefulSet/redis*" {k8s_validate $bad}
    }

    test {k8s: nodeport overlay has deterministic NodePorts per ordinal} {
        k8s_needs
        set yaml [k8s_render overlays/nodeport]
        assert_match "*name: redis-3-nodeport*nodePort: 30006*nodePort: 30007*" $yaml
        assert_match "*name: ANNOUNCE_MODE*value: nodeport*" $yaml
        assert_match "*hostNetwork: true*" [k8s_render overlays/hostnetwork]
    }

    test {k8s: the entrypoint builds the address options for each mode} {
        k8s_needs
        set dir [k8s_tmpdir]
        set ep [k8s_script [k8s_render base] entrypoint.sh $dir]
        set penv {POD_IP=10.42.0.7 POD_NAME=redis-3 POD_NAMESPACE=prod SERVICE_NAME=redis-headless
            REDIS_SERVER=/bin/echo REDIS_CONF=/etc/redis/redis.conf}
        set out [exec env {*}$penv ANNOUNCE_MODE=pod sh $ep]
        assert_match "*/etc/redis/redis.conf --cluster-announce-internal-ip 10.42.0.7 --shutdown-on-sigterm failover --cluster-announce-internal-hostname redis-3.redis-headless.prod.svc.cluster.local" $out
        assert_no_match "*--cluster-announce-ip*" $out
        set out [exec env {*}$penv ANNOUNCE_MODE=nodeport HOST_IP=172.18.0.2 sh $ep]
        assert_match "*--cluster-announce-ip 172.18.0.2 --cluster-announce-port 30006 --cluster-announce-bus-port 30007" $out
        assert_error "*cannot read the ordinal*" {exec env {*}$penv POD_NAME=redis sh $ep}
        assert_error "*unknown ANNOUNCE_MODE*" {exec env {*}$penv ANNOUNCE_MODE=bogus sh $ep}
        file delete -force $dir
    }

    start_server {tags {k8s}} {
        test {k8s: liveness probe accepts PONG and fails on a dead server} {
            k8s_needs
            set dir [k8s_tmpdir]
            set probe [k8s_script [k8s_render base] probe.sh $dir]
            exec env REDIS_PORT=[srv 0 port] sh $probe liveness
            # Nothing listens on port 1.
            assert_error "*liveness*" {exec env REDIS_PORT=1 sh $probe liveness}
            file delete -force $dir
        }
    }
}
