import { ValidationError } from '../../src/errors';
import { META_KEYS, parseRecordMetadata, RECORD_SCHEMA_VERSION, recordMetadata } from '../../src/records';

const base = {
  sha256: 'a3fea7fa9a437eaf9a964fbea4e6ef802ad33268d4fdca90eef1a2c59ea7035f',
  recordType: 'trade' as const,
  recordId: 'T-20261121-000001',
  principal: 'ingest-bot@lc.example',
  ingestedAt: '2026-11-21T09:31:05.000+08:00',
  schemaVersion: 1,
};

describe('recordMetadata', () => {
  it('writes lower-case x-oss-meta-* keys with ASCII values', () => {
    const meta = recordMetadata(base);
    expect(meta).toEqual({
      'x-oss-meta-sha256': base.sha256,
      'x-oss-meta-record-type': 'trade',
      'x-oss-meta-record-id': 'T-20261121-000001',
      'x-oss-meta-principal': 'ingest-bot@lc.example',
      'x-oss-meta-ingested-at': '2026-11-21T09:31:05.000+08:00',
      'x-oss-meta-schema-version': '1',
    });
  });

  it('encodes non-ASCII and unsafe principal names, and round-trips them', () => {
    for (const principal of ['陳大文', 'José Müller', 'a%20b', 'x/y=z; q', 'emoji 😀', 'tab\tname']) {
      const meta = recordMetadata({ ...base, principal });
      const value = meta[META_KEYS.principal] ?? '';
      expect(value).toMatch(/^[\x21-\x7e]+$/);
      expect(parseRecordMetadata(meta).principal).toBe(principal);
    }
    expect(recordMetadata({ ...base, principal: '陳大文' })[META_KEYS.principal]).toBe(
      '%E9%99%B3%E5%A4%A7%E6%96%87',
    );
    expect(recordMetadata({ ...base, principal: 'a%b' })[META_KEYS.principal]).toBe('a%25b');
  });

  it('writes a Date as UTC and defaults the schema version', () => {
    const { schemaVersion: _omit, ...rest } = base;
    const meta = recordMetadata({ ...rest, ingestedAt: new Date(Date.UTC(2026, 10, 21, 1, 31, 5)) });
    expect(meta[META_KEYS.ingestedAt]).toBe('2026-11-21T01:31:05.000Z');
    expect(meta[META_KEYS.schemaVersion]).toBe(String(RECORD_SCHEMA_VERSION));
  });

  it('refuses bad values, listing every one', () => {
    try {
      recordMetadata({
        ...base,
        sha256: 'ABC',
        recordId: '../x',
        principal: '',
        ingestedAt: '2026-11-21T09:31:05',
      });
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect(((err as ValidationError).details as { path: string }[]).map((d) => d.path)).toEqual([
        'sha256',
        'recordId',
        'principal',
        'ingestedAt',
      ]);
    }
    expect(() => recordMetadata({ ...base, principal: 'x\ud800' })).toThrow(ValidationError);
    expect(() => recordMetadata({ ...base, ingestedAt: new Date(NaN) })).toThrow(ValidationError);
  });
});

describe('parseRecordMetadata (catalog rebuild)', () => {
  it('round-trips', () => {
    expect(parseRecordMetadata(recordMetadata(base))).toEqual(base);
  });

  it('accepts keys without the prefix and in any case, as SDKs return them', () => {
    const meta = recordMetadata(base);
    const bare = Object.fromEntries(Object.entries(meta).map(([k, v]) => [k.replace('x-oss-meta-', ''), v]));
    expect(parseRecordMetadata(bare)).toEqual(base);
    const upper = Object.fromEntries(Object.entries(meta).map(([k, v]) => [k.toUpperCase(), v]));
    expect(parseRecordMetadata(upper)).toEqual(base);
  });

  it('reports every missing or malformed key', () => {
    const meta = recordMetadata(base);
    delete meta[META_KEYS.sha256];
    meta[META_KEYS.recordType] = 'widget';
    meta[META_KEYS.principal] = '%E9%99';
    meta[META_KEYS.schemaVersion] = '1.5';
    try {
      parseRecordMetadata(meta);
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).details).toEqual([
        { path: 'x-oss-meta-sha256', code: 'required', message: 'missing' },
        {
          path: 'x-oss-meta-record-type',
          code: 'unknown_record_type',
          message: 'unknown record type "widget"',
        },
        {
          path: 'x-oss-meta-principal',
          code: 'invalid_principal',
          message: 'not a percent-encoded UTF-8 string',
        },
        { path: 'x-oss-meta-schema-version', code: 'invalid_schema_version', message: 'a positive integer' },
      ]);
    }
  });
});
