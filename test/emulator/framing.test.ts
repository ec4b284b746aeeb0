import { createHash, randomBytes } from 'node:crypto';
import { RequestFraming } from '../../src/emulator/framing/request-framing';
import { mulberry32 } from '../../src/emulator/faults';
import { chunked, exchange, head, signV1 } from './raw-http';
import { startTestEmulator, uniqueBucket, type TestEmulator } from './helpers';

const MARKER = 'x-marker';

/** Feeds `input` to a fresh scanner in pieces of random sizes; returns what it passed on. */
function frame(input: Buffer, seed: number, maxPiece: number): Buffer {
  const rnd = mulberry32(seed);
  const f = new RequestFraming(MARKER);
  const out: Buffer[] = [];
  for (let i = 0; i < input.length;) {
    const n = 1 + Math.floor(rnd() * maxPiece);
    out.push(...f.push(input.subarray(i, i + n)));
    i += n;
  }
  out.push(...f.end());
  return Buffer.concat(out);
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('RequestFraming (ahead of the parser)', () => {
  const body = randomBytes(300);
  // A body that looks like a head to rewrite: it is body, and passes untouched.
  const decoy = b('PUT /b/x HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n');
  const stream = Buffer.concat([
    b(head('PUT', '/b/decoy', { host: 'x', 'content-length': String(decoy.length) })),
    decoy,
    b(
      head('PUT', '/b/twice', { host: 'x', 'Content-Length': '4', 'content-length': '4' }).replace(
        'content-length',
        'Content-length',
      ),
    ),
    b('ab\r\n'),
    b('\r\n'), // an empty line before a request line is allowed
    b(head('GET', '/b/k', { host: 'x' })),
    b(head('PUT', '/b/plain', { host: 'x', 'content-length': String(body.length) })),
    body,
    b(head('PUT', '/b/chunked', { host: 'x', 'transfer-encoding': 'chunked' })),
    b('5;ext=1\r\nhello\r\n0\r\ntrailer: x\r\n\r\n'),
    // The one rewritten: Content-Length together with chunked (here before the TE line).
    b(
      head('PUT', '/b/both', {
        host: 'x',
        'Content-Length': '8',
        'x-oss-meta-a': '1',
        'Transfer-Encoding': 'chunked',
      }),
    ),
    chunked(b('abc'), b('defgh')),
    b(head('DELETE', '/b/k', { host: 'x', 'content-length': '0' })),
  ]);
  const expected = Buffer.from(
    stream
      .toString('latin1')
      .replace('Content-Length: 8\r\nx-oss-meta-a: 1', `${MARKER}: 8\r\nx-oss-meta-a: 1`),
    'latin1',
  );

  test('renames Content-Length only where chunked frames the body; every other byte passes in order', () => {
    for (const [seed, maxPiece] of [
      [1, 1],
      [2, 3],
      [3, 17],
      [4, 200],
      [5, 100_000],
    ] as const) {
      const out = frame(stream, seed, maxPiece);
      expect([seed, out.toString('latin1')]).toEqual([seed, expected.toString('latin1')]);
    }
  });

  test('what it does not understand passes through untouched, and so does the rest of the connection', () => {
    const cases = [
      // bare LF line ends
      'GET /b/k HTTP/1.1\nHost: x\n\nPUT /b/k HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      // obs-fold
      'GET /b/k HTTP/1.1\r\nX-A: 1\r\n  2\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      // HTTP/1.0 with both headers: left for the parser to refuse
      'PUT /b/k HTTP/1.0\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      // two Content-Length values with chunked
      'PUT /b/k HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n',
      // chunked is not the last coding
      'PUT /b/k HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
      // a malformed chunk size, then a request that would otherwise be rewritten
      'PUT /b/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nPUT /b/k HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      // an unterminated head
      'GET /b/k HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked',
    ];
    for (const [i, c] of cases.entries()) {
      expect([i, frame(b(c), i + 10, 5).toString('latin1')]).toEqual([i, c]);
    }
  });
});

describe('Content-Length with Transfer-Encoding: chunked, on the wire', () => {
  let emu: TestEmulator;
  let bucket: string;
  beforeAll(async () => {
    emu = await startTestEmulator();
    bucket = uniqueBucket('framing');
    await emu.client().putBucket(bucket);
  });
  afterAll(async () => {
    await emu.stop();
  });

  function put(key: string, declared: number, body: Buffer): string {
    const headers = signV1({
      accessKeyId: emu.accessKeyId,
      secret: emu.accessKeySecret,
      method: 'PUT',
      resource: `/${bucket}/${key}`,
      headers: { host: 'localhost', 'content-type': 'application/octet-stream' },
    });
    return (
      head('PUT', `/${bucket}/${key}`, {
        ...headers,
        'content-length': String(declared),
        'transfer-encoding': 'chunked',
      }) + chunked(body).toString('latin1')
    );
  }

  test('is accepted as OSS does: the chunks are the body, checked against the declared length', async () => {
    const body = randomBytes(70_000); // above the inline limit: stored as a file
    const [ok] = await exchange(emu.handle.url, Buffer.from(put('both', body.length, body), 'latin1'));
    expect(ok?.status).toBe(200);
    expect(ok?.headers['connection']).toBe('close');
    expect(ok?.headers['etag']).toBe(`"${createHash('md5').update(body).digest('hex').toUpperCase()}"`);
    const got = await emu.client({ bucket }).get('both');
    expect(got.content.equals(body)).toBe(true);

    for (const declared of [10, 3]) {
      const [bad] = await exchange(
        emu.handle.url,
        Buffer.from(put(`wrong-${declared}`, declared, b('hello')), 'latin1'),
      );
      expect([declared, bad?.status, bad?.body.toString()]).toEqual([
        declared,
        400,
        expect.stringContaining('<Code>IncompleteBody</Code>'),
      ]);
    }
    const listed = await emu.client({ bucket }).list({ prefix: 'wrong' });
    expect(listed.objects ?? []).toEqual([]);
  });

  test('pipelined requests around it are answered in order; a plain request keeps the connection', async () => {
    const get = signV1({
      accessKeyId: emu.accessKeyId,
      secret: emu.accessKeySecret,
      method: 'GET',
      resource: `/${bucket}/both`,
      headers: { host: 'localhost' },
    });
    const first = b(head('GET', `/${bucket}/both`, get));
    const answers = await exchange(
      emu.handle.url,
      Buffer.concat([first, Buffer.from(put('piped', 4, b('pipe')), 'latin1'), first]),
      2,
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[0]?.headers['connection']).not.toBe('close');
    expect(answers[1]?.headers['connection']).toBe('close');
    expect((await emu.client({ bucket }).get('piped')).content.toString()).toBe('pipe');
  });

  test('what Node refuses without the scanner it still refuses (HTTP/1.0 with both headers)', async () => {
    const text = put('old', 5, b('hello')).replace(' HTTP/1.1\r\n', ' HTTP/1.0\r\n');
    const [answer] = await exchange(emu.handle.url, Buffer.from(text, 'latin1'));
    expect(answer?.status).toBe(400);
    expect(answer?.body.toString()).toContain('<Code>InvalidRequest</Code>');
  });
});
