// Validates rendered Kubernetes manifests (multi-document YAML on stdin)
// against the Kubernetes API schemas shipped in the npm package
// kubernetes-models, offline. Prints one "ok <kind>/<name>" line per
// document, or the schema errors and exits 1.
// Usage: kubectl kustomize k8s/base | node k8s_validate.js
'use strict';
const fs = require('fs');
const yaml = require('js-yaml');

// apiVersion "apps/v1" -> module "kubernetes-models/apps/v1"; core "v1" ->
// "kubernetes-models/v1".
function modelFor(apiVersion, kind) {
  let mod;
  try {
    mod = require(`kubernetes-models/${apiVersion}`);
  } catch (e) {
    return null;
  }
  return mod[kind] || null;
}

const docs = yaml.loadAll(fs.readFileSync(0, 'utf8')).filter((d) => d);
let failed = 0;
if (docs.length === 0) {
  console.error('no documents');
  process.exit(1);
}
for (const doc of docs) {
  const what = `${doc.kind}/${doc.metadata && doc.metadata.name}`;
  const Model = modelFor(doc.apiVersion, doc.kind);
  if (!Model) {
    console.log(`FAIL ${what}: unknown apiVersion/kind ${doc.apiVersion} ${doc.kind}`);
    failed++;
    continue;
  }
  try {
    new Model(doc).validate();
    console.log(`ok ${what}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${what}: ${e.message}`);
    if (e.errors) console.log(JSON.stringify(e.errors, null, 1));
  }
}
process.exit(failed ? 1 : 0);
