import fs from 'node:fs';
import path from 'node:path';
import { parseFaults } from '../../src/cli/commands/emulator';
import { parseOssAccessLogLine } from '../../src/audit/oss-access-log';
import { formatAccessLine, hourStamp, redactUri } from '../../src/emulator/access-logs';
import { FaultInjector, mulberry32 } from '../../src/emulator/faults';
import { parseRange } from '../../src/emulator/handlers/object';
import { escapeXml, parseXml, XmlSyntaxError } from '../../src/emulator/xml';
import { tempDir } from './helpers';

describe('xml', () => {
  test('keys round-trip through escape and parse exactly, control characters and spaces included', () => {
    const keys = [
      'a & b',
      '<x>',
      '"q" \'s\'',
      '  lead and trail  ',
      'ctl\u0001\u001f',
      'cr\rlf\ntab\t',
      '\u4e2d\ud83d\ude00',
      '',
    ];
    const doc = `<Delete>${keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('\n')}</Delete>`;
    const root = parseXml(doc);
    expect(root.children.map((o) => o.children[0]?.text)).toEqual(keys);
  });

  test('entities, CDATA, comments, declarations and attributes', () => {
    const root = parseXml(
      '\ufeff<?xml version="1.0"?><!-- c --><A xmlns="urn:x" b=\'1\'><B>&lt;&#65;&#x42;&amp;</B><C><![CDATA[<raw & text>]]></C><D/></A>',
    );
    expect(root.name).toBe('A');
    expect(root.children.map((c) => [c.name, c.text])).toEqual([
      ['B', '<AB&'],
      ['C', '<raw & text>'],
      ['D', ''],
    ]);
  });

  test.each([
    ['unclosed', '<A><B></A>'],
    ['two roots', '<A/><B/>'],
    ['text outside', 'x<A/>'],
    ['DTD', '<!DOCTYPE A [<!ENTITY e "x">]><A>&e;</A>'],
    ['unknown entity', '<A>&nope;</A>'],
    ['bad char ref', '<A>&#xD800;</A>'],
    ['empty', ''],
    ['unterminated attribute', '<A b="1></A>'],
  ])('refuses %s', (_what, input) => {
    expect(() => parseXml(input)).toThrow(XmlSyntaxError);
  });
});

describe('faults', () => {
  test('mulberry32 is deterministic per seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 10 }, a);
    expect(Array.from({ length: 10 }, b)).toEqual(sa);
    expect(Array.from({ length: 10 }, c)).not.toEqual(sa);
    for (const v of sa) expect(v >= 0 && v < 1).toBe(true);
  });

  test('rules match by operation or *, and combine effects', () => {
    const f = new FaultInjector({
      seed: 1,
      rules: [
        { operation: 'GetObject', probability: 1, flipByte: true },
        { operation: '*', probability: 1, latencyMs: 5, dropCrc: true },
      ],
    });
    expect(f.decide('GetObject')).toEqual({
      error: null,
      latencyMs: 5,
      reset: false,
      flipByte: true,
      dropCrc: true,
      wrongCrc: false,
    });
    expect(f.decide('PutObject')).toEqual({
      error: null,
      latencyMs: 5,
      reset: false,
      flipByte: false,
      dropCrc: true,
      wrongCrc: false,
    });
    f.set(null);
    expect(f.decide('GetObject')).toBeNull();
  });

  test('the CLI reads --faults as JSON or @file and validates it', () => {
    const config = {
      seed: 3,
      rules: [{ operation: 'PutObject', probability: 0.5, error: { status: 503, code: 'SlowDown' } }],
    };
    expect(parseFaults(JSON.stringify(config))).toEqual(config);
    const dir = tempDir('faults');
    const file = path.join(dir, 'f.json');
    fs.writeFileSync(file, JSON.stringify(config));
    expect(parseFaults(`@${file}`)).toEqual(config);
    fs.rmSync(dir, { recursive: true });
    expect(() => parseFaults('{')).toThrow(/not valid JSON/);
    expect(() => parseFaults('{"seed":1,"rules":[{"operation":"GetObject","probability":1}]}')).toThrow(
      /no effect/,
    );
    expect(() => parseFaults('@/no/such/file.json')).toThrow(/cannot read/);
  });
});

describe('access log lines', () => {
  test('signatures and credentials are blanked in the request URI', () => {
    expect(redactUri('/b/k?OSSAccessKeyId=AK&Expires=1&Signature=abc%2B%3D&response-content-type=x')).toBe(
      '/b/k?OSSAccessKeyId=&Expires=1&Signature=&response-content-type=x',
    );
    expect(redactUri('/b/k?x-oss-credential=AK%2F2024&x-oss-signature=ff&x-oss-date=1')).toBe(
      '/b/k?x-oss-credential=&x-oss-signature=&x-oss-date=1',
    );
    expect(redactUri('/b/k')).toBe('/b/k');
  });

  test('a line has the official 29 fields in order, quoted as OSS quotes them, and parses back', () => {
    const line = formatAccessLine({
      remoteIp: '127.0.0.1',
      time: new Date('2024-05-02T00:00:04Z'),
      method: 'GET',
      uri: '/b/a%20b?x=1',
      httpVersion: '1.1',
      status: 200,
      sentBytes: 12,
      requestTimeMs: 3,
      referer: '',
      userAgent: 'agent "with" quotes\nand a break',
      host: 'localhost:1',
      requestId: 'ABC',
      requesterId: '1000000000000000',
      operation: 'GetObject',
      bucket: 'b',
      key: 'a b',
      objectSize: 12,
      serverCostMs: 2,
      errorCode: null,
      requestLength: 100,
      ownerId: '1',
      deltaDataSize: null,
      storageClass: 'Standard',
      targetStorageClass: null,
      accessKeyId: 'STS.key',
      bucketArn: 'acs:oss:cn-hangzhou:1:b',
    });
    expect(line).toBe(
      '127.0.0.1 - - [02/May/2024:00:00:04 +0000] "GET /b/a%20b?x=1 HTTP/1.1" 200 12 3 "-" "agent %22with%22 quotes%0Aand a break" "localhost:1" "ABC" "true" "1000000000000000" "GetObject" "b" "a%20b" 12 2 "-" 100 "1" - "-" "Standard" "-" "-" "STS.key" "acs:oss:cn-hangzhou:1:b"',
    );
    const parsed = parseOssAccessLogLine(line);
    expect(parsed).toMatchObject({
      ok: true,
      entry: { requesterId: '1000000000000000', accessKeyId: 'STS.key', objectKey: 'a b', referer: null },
    });
  });

  test('log objects are named after the hour of their lines', () => {
    expect(hourStamp(Date.parse('2031-03-04T05:59:59.999Z'))).toBe('2031-03-04-05-00-00');
    expect(hourStamp(Date.parse('2031-12-31T23:00:00Z'))).toBe('2031-12-31-23-00-00');
  });
});

test('range parsing follows OSS: malformed and multi ranges ignored, unsatisfiable 416 only in standard mode', () => {
  expect(parseRange('bytes=0-0', 10, false)).toEqual({ start: 0, end: 0 });
  expect(parseRange('bytes=5-', 10, false)).toEqual({ start: 5, end: 9 });
  expect(parseRange('bytes=-4', 10, false)).toEqual({ start: 6, end: 9 });
  expect(parseRange('bytes=-40', 10, false)).toEqual({ start: 0, end: 9 });
  expect(parseRange('bytes=3-100', 10, false)).toEqual({ start: 3, end: 9 });
  expect(parseRange('bytes=5-3', 10, false)).toBeNull();
  expect(parseRange('bytes=0-1,3-4', 10, false)).toBeNull();
  expect(parseRange('items=0-1', 10, false)).toBeNull();
  expect(parseRange('bytes=10-', 10, false)).toBeNull();
  expect(() => parseRange('bytes=10-', 10, true)).toThrow(/cannot be satisfied/);
  expect(parseRange('bytes=0-1', 0, false)).toBeNull();
});
