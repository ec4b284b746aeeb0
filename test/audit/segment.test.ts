import { createHash } from 'node:crypto';
import {
  firstDifference,
  parseSegment,
  parseSegmentKey,
  segmentBytes,
  segmentId,
  segmentKey,
  sha256Hex,
} from '../../src/audit/segment';
import { AUDIT_GENESIS_HASH, auditEventHash } from '../../src/catalog/hashing';
import type { AuditEvent, AuditSource } from '../../src/catalog/types';

/** A chain of `n` events from `from`, linked onto `prev`, alternating sources. */
function chain(n: number, from = 0, prev = AUDIT_GENESIS_HASH): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (let i = 0; i < n; i++) {
    const seq = from + i;
    const source: AuditSource = (['api', 'oss-access-log', 'actiontrail'] as const)[seq % 3] as AuditSource;
    const base = {
      seq,
      eventId: `evt_${seq}`,
      at: new Date(Date.UTC(2026, 10, 21, 8, 0, seq)),
      principalId: seq % 2 === 0 ? 'usr_1' : null,
      action: 'records.read',
      target: `T-${seq}`,
      outcome: 'allowed' as const,
      ip: '127.0.0.1',
      requestId: `req-${seq}`,
      details: seq % 2 === 0 ? `{"n":${seq},"text":"a \\"quoted\\" line\\nbreak"}` : null,
      source,
      prevHash: out[i - 1]?.hash ?? prev,
    };
    out.push({ ...base, hash: auditEventHash(base) });
  }
  return out;
}

test('keys, ids and ranges: 20 digits, sorting by seq', () => {
  expect(segmentKey(0, 99)).toBe('audit/segment/00000000000000000000-00000000000000000099.ndjson');
  expect(segmentId(100, 199)).toBe('audit-00000000000000000100-00000000000000000199');
  expect(parseSegmentKey(segmentKey(100, 199))).toEqual({ fromSeq: 100, toSeq: 199 });
  expect(parseSegmentKey('audit/segment/00000000000000000009-00000000000000000001.ndjson')).toBeNull();
  expect(parseSegmentKey('audit/segment/1-2.ndjson')).toBeNull();
  expect(segmentKey(9, 10) < segmentKey(10, 11)).toBe(true);
});

test('each line is the canonical event: its SHA-256 is the event hash, and the bytes parse back', () => {
  const events = chain(7);
  const bytes = segmentBytes(events);
  const lines = bytes.toString('utf8').split('\n');
  expect(lines).toHaveLength(8);
  expect(lines[7]).toBe('');
  lines.slice(0, 7).forEach((line, i) => {
    expect(createHash('sha256').update(line, 'utf8').digest('hex')).toBe(events[i]?.hash);
  });
  const parsed = parseSegment(bytes, { fromSeq: 0, toSeq: 6 });
  expect(parsed).toEqual({ ok: true, events });
  expect(firstDifference(events, events)).toBeNull();
  expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
});

test('a changed, removed or reordered line is named; so is a range the name does not promise', () => {
  const events = chain(5, 10, 'ab'.repeat(32));
  const text = segmentBytes(events).toString('utf8');
  const lines = text.split('\n');
  const edited = text.replace('"T-12"', '"T-99"');
  expect(parseSegment(Buffer.from(edited))).toEqual({
    ok: false,
    line: 4,
    message: 'event 13 does not link to event 12',
  });
  const removed = [...lines.slice(0, 2), ...lines.slice(3)].join('\n');
  expect(parseSegment(Buffer.from(removed))).toMatchObject({
    ok: false,
    line: 3,
    message: 'event 13 follows event 11',
  });
  expect(parseSegment(Buffer.from(text), { fromSeq: 10, toSeq: 15 })).toMatchObject({ ok: false, line: 1 });
  expect(parseSegment(Buffer.from(text.slice(0, -1)))).toMatchObject({ ok: false, line: 0 });
  const spaced = text.replace('",10,"', '", 10,"');
  expect(spaced).not.toBe(text);
  expect(parseSegment(Buffer.from(spaced))).toMatchObject({
    ok: false,
    line: 1,
    message: 'not in canonical form',
  });
  const other = chain(5, 10, 'ab'.repeat(32));
  other[2] = { ...(other[2] as AuditEvent), target: 'changed' };
  expect(firstDifference(events, other)).toBe(2);
  expect(firstDifference(events, events.slice(0, 3))).toBe(3);
});

test('segments are consecutive and never empty', () => {
  expect(() => segmentBytes([])).toThrow(RangeError);
  const events = chain(3);
  expect(() => segmentBytes([events[0] as AuditEvent, events[2] as AuditEvent])).toThrow(/not consecutive/);
});
