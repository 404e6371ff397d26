// ioredis (npm) against our server: the calls an application makes, with
// pipelining, transactions, RESP errors and binary values. Prints OK or
// throws (non-zero exit). Usage: node ioredis_smoke.js <port>
'use strict';
const Redis = require('ioredis');
const assert = require('assert');

async function main() {
  const port = Number(process.argv[2]);
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  assert.strictEqual(await r.ping(), 'PONG');
  assert.strictEqual(await r.set('io:k', 'v', 'EX', 100), 'OK');
  assert.strictEqual(await r.get('io:k'), 'v');
  assert.ok((await r.ttl('io:k')) > 0);
  assert.strictEqual(await r.incrby('io:n', 5), 5);
  const bin = Buffer.from([0, 255, 13, 10, 1]);
  await r.set('io:bin', bin);
  assert.ok(bin.equals(await r.getBuffer('io:bin')));
  // Pipeline: replies in order, one error in the middle does not stop it.
  const res = await r.pipeline().set('io:p', '1').incr('io:p').sadd('io:p', 'x').get('io:p').exec();
  assert.deepStrictEqual(res[0], [null, 'OK']);
  assert.deepStrictEqual(res[1], [null, 2]);
  assert.match(res[2][0].message, /^WRONGTYPE/);
  assert.deepStrictEqual(res[3], [null, '2']);
  // MULTI/EXEC.
  const tx = await r.multi().set('io:t', 'a').append('io:t', 'b').get('io:t').exec();
  assert.deepStrictEqual(tx.map((x) => x[1]), ['OK', 2, 'ab']);
  // Errors come back as ReplyError with stock text.
  await assert.rejects(r.call('nosuchcmd'), /ERR unknown command 'nosuchcmd'/);
  // SCAN stream.
  await r.mset('io:s1', 1, 'io:s2', 2, 'io:s3', 3);
  const keys = [];
  await new Promise((resolve, reject) => {
    r.scanStream({ match: 'io:s*', count: 2 })
      .on('data', (k) => keys.push(...k))
      .on('end', resolve)
      .on('error', reject);
  });
  assert.deepStrictEqual(keys.sort(), ['io:s1', 'io:s2', 'io:s3']);
  const info = await r.info('server');
  assert.match(info, /redis_version:7\.0\.15/);
  await r.quit();
  console.log('OK');
}

main().catch((e) => { console.error(e); process.exit(1); });
