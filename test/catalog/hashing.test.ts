import { timeOrderedUuid } from '../../src/catalog/group';
import {
  AUDIT_GENESIS_HASH,
  auditEventCanonical,
  auditEventHash,
  canonicalJson,
  leafData,
  leafHash,
  openCatalog,
} from '../../src/catalog';
import { ConfigError } from '../../src/errors';

// Expected values computed outside this code base, with printf and sha256sum (see hashing.ts).
const HELLO_SHA256 = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

describe('leafHash', () => {
  test('is SHA-256(0x00 || leaf data) over the documented leaf data', () => {
    const entry = { kind: 'record' as const, id: 'T-20261121-000001', sha256: HELLO_SHA256 };
    expect(leafData(entry).toString('utf8')).toBe(
      `strongroom-leaf-v1\nrecord\nT-20261121-000001\n${HELLO_SHA256}\n`,
    );
    expect(leafHash(entry)).toBe('28abb129498841f9437861aa9ffeb520d1a011e947b2f8b81f1c84e6b8436e06');
  });

  test('separates kinds and refuses ambiguous input', () => {
    const base = { id: 'X-1', sha256: HELLO_SHA256 };
    expect(leafHash({ ...base, kind: 'record' })).not.toBe(leafHash({ ...base, kind: 'export' }));
    expect(() => leafHash({ ...base, kind: 'record', id: 'a\nb' })).toThrow(RangeError);
    expect(() => leafHash({ ...base, kind: 'record', sha256: HELLO_SHA256.toUpperCase() })).toThrow(
      RangeError,
    );
  });
});

describe('audit event hash', () => {
  const event = {
    seq: 0,
    eventId: 'evt_1',
    at: new Date('2026-11-21T01:31:02.123Z'),
    principalId: null,
    action: 'record.read',
    target: 'T-1',
    outcome: 'allowed' as const,
    ip: '10.0.0.7',
    requestId: null,
    details: '{"a":1}',
    prevHash: AUDIT_GENESIS_HASH,
  };

  test('is SHA-256 of the documented canonical serialisation', () => {
    expect(auditEventCanonical(event)).toBe(
      `["strongroom-audit-v1",0,"evt_1","2026-11-21T01:31:02.123Z",null,"record.read","T-1","allowed","10.0.0.7",null,"{\\"a\\":1}","${'0'.repeat(64)}"]`,
    );
    expect(auditEventHash(event)).toBe('df6204abf5d73af83aa61ba4690d25c6f12358a13b772efa3206a1a28cb80f0e');
  });

  test('changes with every field', () => {
    const base = auditEventHash(event);
    const variants = [
      { seq: 1 },
      { eventId: 'evt_2' },
      { at: new Date(event.at.getTime() + 1) },
      { principalId: 'usr_x' },
      { action: 'record.ingest' },
      { target: null },
      { outcome: 'denied' as const },
      { ip: null },
      { requestId: 'r' },
      { details: null },
      { prevHash: '1'.repeat(64) },
    ];
    for (const v of variants) expect(auditEventHash({ ...event, ...v })).not.toBe(base);
  });
});

describe('canonicalJson', () => {
  test('sorts keys at every level, including integer-like keys, bytewise', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined, B: true }], 10: 'x', 9: 'y' })).toBe(
      '{"10":"x","9":"y","a":[{"B":true,"d":2}],"b":1}',
    );
  });

  test('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
  });
});

describe('openCatalog', () => {
  test('needs a database', async () => {
    await expect(openCatalog({})).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('audit event ids', () => {
  test('are UUIDv7: version 7, RFC variant, the time in the first 48 bits, distinct', () => {
    const at = Date.UTC(2026, 10, 22, 5, 0, 0, 123);
    const a = timeOrderedUuid(at);
    const b = timeOrderedUuid(at);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(parseInt(a.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    expect(timeOrderedUuid(at + 1) > a).toBe(true);
  });
});
