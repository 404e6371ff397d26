// Prints what kubelet would take from rendered manifests on stdin to run a
// pod, one tab-separated record a line, so that the NAT lab test
// (tests/nat/k8s.tcl) starts pods exactly as the manifests describe them:
//
//   node k8s_pod.js container <Kind> <name>   (StatefulSet redis, Job redis-bootstrap)
//     command  <arg>...            the container's command
//     env      <NAME> value <v>    a literal env entry
//     env      <NAME> field <path> a downward API entry (fieldRef.fieldPath)
//     probe    readiness|liveness <arg>...   exec probes
//     prestop  <arg>...            lifecycle.preStop exec
//     mount    <volume> <path>     volumeMounts
//     volume   <volume> configmap <name> <key>...   ConfigMap volumes
//     volume   <volume> claim      volumeClaimTemplates (a PVC per pod)
//     user     <uid> <gid> <fsGroup>   the pod's securityContext
//     grace    <seconds>           terminationGracePeriodSeconds
//     replicas <n>                 (StatefulSet)
//   node k8s_pod.js nodeports
//     nodeport <pod-name> <targetPort> <nodePort>   per-pod NodePort Services
'use strict';
const fs = require('fs');
const yaml = require('js-yaml');

const docs = yaml.loadAll(fs.readFileSync(0, 'utf8')).filter(Boolean);
const out = [];
const rec = (...fields) => out.push(fields.map(String).join('\t'));

function container(kind, name) {
  const doc = docs.find((d) => d.kind === kind && d.metadata && d.metadata.name === name);
  if (!doc) throw new Error(`no ${kind}/${name}`);
  const spec = doc.spec.template.spec;
  const c = spec.containers[0];
  rec('command', ...(c.command || []), ...(c.args || []));
  for (const e of c.env || []) {
    if ('value' in e) rec('env', e.name, 'value', e.value);
    else if (e.valueFrom && e.valueFrom.fieldRef) rec('env', e.name, 'field', e.valueFrom.fieldRef.fieldPath);
    else throw new Error(`env ${e.name}: only value and fieldRef are supported`);
  }
  for (const p of ['readiness', 'liveness']) {
    const probe = c[`${p}Probe`];
    if (probe && probe.exec) rec('probe', p, ...probe.exec.command);
  }
  const pre = c.lifecycle && c.lifecycle.preStop;
  if (pre && pre.exec) rec('prestop', ...pre.exec.command);
  for (const m of c.volumeMounts || []) rec('mount', m.name, m.mountPath);
  for (const v of spec.volumes || []) {
    if (!v.configMap) continue;
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === v.configMap.name);
    rec('volume', v.name, 'configmap', v.configMap.name, ...Object.keys((cm && cm.data) || {}));
  }
  for (const t of doc.spec.volumeClaimTemplates || []) rec('volume', t.metadata.name, 'claim');
  const sc = { ...(spec.securityContext || {}), ...(c.securityContext || {}) };
  if (sc.runAsUser !== undefined) rec('user', sc.runAsUser, sc.runAsGroup ?? sc.runAsUser, sc.fsGroup ?? '');
  if (doc.spec.replicas !== undefined) rec('replicas', doc.spec.replicas);
  if (spec.terminationGracePeriodSeconds !== undefined) rec('grace', spec.terminationGracePeriodSeconds);
}

function nodeports() {
  for (const d of docs) {
    if (d.kind !== 'Service' || d.spec.type !== 'NodePort') continue;
    const pod = d.spec.selector && d.spec.selector['statefulset.kubernetes.io/pod-name'];
    if (!pod) continue;
    for (const p of d.spec.ports) rec('nodeport', pod, p.targetPort, p.nodePort);
  }
}

const [what, ...args] = process.argv.slice(2);
try {
  if (what === 'container') container(...args);
  else if (what === 'nodeports') nodeports();
  else throw new Error('usage: k8s_pod.js container <Kind> <name> | nodeports');
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
process.stdout.write(out.join('\n') + '\n');
