// Prints one data entry of a ConfigMap from rendered manifests on stdin, so
// that tests run the scripts exactly as the manifests carry them.
// Usage: kubectl kustomize k8s/base | node k8s_extract.js <configmap> <key>
'use strict';
const fs = require('fs');
const yaml = require('js-yaml');

const [name, key] = process.argv.slice(2);
for (const doc of yaml.loadAll(fs.readFileSync(0, 'utf8'))) {
  if (doc && doc.kind === 'ConfigMap' && doc.metadata.name === name && doc.data && key in doc.data) {
    process.stdout.write(doc.data[key]);
    process.exit(0);
  }
}
console.error(`no ConfigMap ${name} with key ${key}`);
process.exit(1);
