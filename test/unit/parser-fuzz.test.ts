import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runParserFuzz, feedAll } from '../../bench/hardening/parser-fuzz.js';

test('parser fuzz: mutated, random and garbage-prefixed inputs never throw, stay bounded, keep valid requests', { timeout: 120_000 }, () => {
  const f = runParserFuzz(1500);
  assert.equal(f.inputs, 4500);
  assert.ok(f.requests > 0, 'some inputs must parse as requests');
  assert.ok(f.errors > 0, 'some inputs must be refused with coded errors');
  assert.ok(f.maxBufferedBytes <= 4097, `parser buffer grew to ${f.maxBufferedBytes}`);
});

test('parser fuzz harness detects an over-long line being held (the bound it checks is real)', () => {
  const stats = { maxBuffered: 0 };
  // 10 kB without a line end: the parser must drop it rather than keep it.
  const results = feedAll([Buffer.alloc(10_000, 0x41)], stats);
  assert.ok(stats.maxBuffered <= 4097);
  assert.equal(results.length, 1);
  assert.equal((results[0] as { code?: string }).code, 'LINE_TOO_LONG');
});
