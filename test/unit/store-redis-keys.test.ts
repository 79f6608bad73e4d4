import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisKeys, assertOwnerId, holderId, peerField, recordFromHolder, recordFromId, recordId, rfcPrefix } from '../../src/index/redis-keys.js';

const T = { timeout: 5000 };

test('record ids round-trip every field, whatever the host and title hold', T, () => {
  const cases = [
    { rfc: 1, title: 'Host Software', host: 'a.example', port: 1 },
    { rfc: 999_999_999, title: 'x', host: '2001:db8::1', port: 65535 },
    { rfc: 0, title: '', host: 'host with spaces and: colons', port: 80 },
    { rfc: 42, title: 'Ünïcödé ✓', host: 'xn--bcher-kva.example', port: 7734 },
  ];
  for (const r of cases) {
    const id = recordId('inst-1:17', r);
    assert.deepEqual(recordFromId(id, r.title), r);
    assert.ok(id.startsWith(rfcPrefix(r.rfc)));
    assert.equal(id.slice(rfcPrefix(r.rfc).length), holderId('inst-1:17', r.host, r.port));
    assert.deepEqual(recordFromHolder(r.rfc, holderId('inst-1:17', r.host, r.port), r.title), r);
  }
});

test('record ids sort by RFC number (what LIST pages by), and the Lua scripts cut them at offset 10', T, () => {
  const ids = [791, 9, 10_000, 1, 123_456_789].map((rfc) => recordId('o:1', { rfc, title: 't', host: 'h', port: 1 }));
  assert.deepEqual([...ids].sort().map((id) => Number(id.slice(0, 9))), [1, 9, 791, 10_000, 123_456_789]);
  for (const id of ids) {
    assert.equal(id[9], '\n');
    assert.equal(id.slice(10), holderId('o:1', 'h', 1)); // string.sub(id, 11) in Lua
  }
});

test('key names carry the prefix; a peer field is port then host', T, () => {
  const k = new RedisKeys('p2pci:');
  assert.equal(k.rfc(791), 'p2pci:rfc:791');
  assert.equal(k.owner('a:1'), 'p2pci:owner:a:1');
  assert.equal(k.ownerPeers('a:1'), 'p2pci:ownerpeers:a:1');
  assert.equal(k.instanceOwners('a'), 'p2pci:inst:a');
  assert.equal(k.heartbeat('a'), 'p2pci:hb:a');
  assert.deepEqual([k.titles, k.all, k.instances, k.stats, k.seq], ['p2pci:titles', 'p2pci:all', 'p2pci:instances', 'p2pci:stats', 'p2pci:seq']);
  assert.equal(peerField('h', 5), '5\nh');
});

test('an owner id with a newline is refused (it would make record ids ambiguous)', T, () => {
  assert.throws(() => assertOwnerId('a\nb'), /newline/);
  assert.doesNotThrow(() => assertOwnerId('host-1-abc:12'));
});
