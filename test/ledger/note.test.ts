import { createHash, randomBytes } from 'node:crypto';
import {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../../src/ledger/checkpoint';
import {
  noteKeyId,
  NOTE_TYPE_ECDSA,
  openNote,
  parseVerifierKey,
  signerVerifierKey,
  signNote,
  type VerifierKey,
} from '../../src/ledger/note';
import { ecdsaSigner, ed25519Signer } from './signers';

const key = (text: string): VerifierKey => {
  const r = parseVerifierKey(text);
  if (!r.ok) throw new Error(r.message);
  return r.key;
};

// c2sp.org/signed-note, "Example".
const SPEC_KEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n' +
  '\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

// golang.org/x/mod/sumdb/note note_test.go (commit fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db).
const PETER_KEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
const ENOCH_KEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

describe('signed-note verifier keys', () => {
  it('parses the spec example key and the Go test keys', () => {
    const k = key(SPEC_KEY);
    expect(k).toMatchObject({ name: 'example.com/foo', keyId: 0x530d903a, type: 1 });
    expect(k.text).toBe(SPEC_KEY);
    expect(key(PETER_KEY).keyId).toBe(0xc74f20a3);
    expect(key(ENOCH_KEY).keyId).toBe(0xaf0cfe78);
  });

  it('refuses every substring and every one-character change of a key (as sumdb/note)', () => {
    let refused = 0;
    for (let i = 0; i <= PETER_KEY.length; i++)
      for (let j = i + 1; j <= PETER_KEY.length; j++) {
        if (i === 0 && j === PETER_KEY.length) continue;
        expect(parseVerifierKey(PETER_KEY.slice(i, j)).ok).toBe(false);
        refused++;
      }
    for (let i = 0; i < PETER_KEY.length; i++) {
      const mangled =
        PETER_KEY.slice(0, i) + String.fromCharCode(PETER_KEY.charCodeAt(i) + 1) + PETER_KEY.slice(i + 1);
      expect(parseVerifierKey(mangled).ok).toBe(false);
      refused++;
    }
    expect(
      parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==').ok,
    ).toBe(false);
    expect(parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW').ok).toBe(
      false,
    );
    expect(parseVerifierKey('Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW').ok).toBe(
      false,
    );
    expect(parseVerifierKey('PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW').ok).toBe(
      false,
    );
    expect(refused).toBeGreaterThan(2000);
  });

  it('an Ed25519 key id is SHA-256(name LF 0x01 key)[:4]; an ECDSA one SHA-256(SPKI)[:4]', async () => {
    const s = ed25519Signer(PETER_SEED);
    const v = await signerVerifierKey('PeterNeumann', s);
    expect(v.text).toBe(PETER_KEY);
    const e = ecdsaSigner();
    const spki = await e.publicKey();
    const ev = await signerVerifierKey('strongroom.example/ledger', e);
    expect(ev.keyId).toBe(createHash('sha256').update(spki).digest().readUInt32BE(0));
    expect(ev.keyId).toBe(noteKeyId('any name', NOTE_TYPE_ECDSA, spki));
    expect(ev.text).toBe(
      `strongroom.example/ledger+${ev.keyId.toString(16).padStart(8, '0')}+${Buffer.concat([Buffer.from([2]), spki]).toString('base64')}`,
    );
    expect(key(ev.text).publicKey.equals(spki)).toBe(true);
  });
});

describe('signed notes', () => {
  it('verifies the spec example', () => {
    const r = openNote(SPEC_NOTE, [key(SPEC_KEY)]);
    expect(r).toMatchObject({ ok: true, text: 'This is an example message.\n' });
  });

  it('signs exactly as sumdb/note does (Ed25519 is deterministic)', async () => {
    expect(await signNote(TEXT, 'PeterNeumann', ed25519Signer(PETER_SEED))).toBe(`${TEXT}\n${PETER_SIG}`);
    await expect(signNote('abc', 'PeterNeumann', ed25519Signer(PETER_SEED))).rejects.toThrow(RangeError);
    await expect(signNote(TEXT, 'a+b', ed25519Signer(PETER_SEED))).rejects.toThrow(RangeError);
  });

  it('opens notes as sumdb/note: unknown keys ignored, known ones verified', () => {
    const peter = key(PETER_KEY);
    const enoch = key(ENOCH_KEY);
    const both = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    const one = openNote(both, [peter]);
    expect(one).toMatchObject({ ok: true, text: TEXT });
    if (!one.ok) throw new Error();
    expect(one.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(one.unverified.map((s) => [s.name, s.keyId])).toEqual([['EnochRoot', 0xaf0cfe78]]);
    const two = openNote(both, [peter, enoch]);
    expect(two.ok && two.verified.length).toBe(2);
    expect(openNote(both, [])).toMatchObject({ ok: false, problem: 'unverified' });
    expect(openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch])).toMatchObject({
      ok: false,
      problem: 'ambiguous_key',
    });
    expect(openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch]).ok).toBe(true);
    expect(openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter])).toMatchObject({
      ok: false,
      problem: 'malformed',
    });
    expect(openNote(`${TEXT}\n${PETER_SIG.repeat(16)}`, [peter]).ok).toBe(true);
    const broken = `${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    expect(openNote(broken, [peter])).toMatchObject({ ok: false, problem: 'bad_signature' });
    const dup = openNote(
      `${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${ENOCH_SIG.slice(0, 60)}ABCD${ENOCH_SIG.slice(60)}`,
      [peter],
    );
    expect(dup.ok && [dup.verified.length, dup.unverified.length]).toEqual([1, 2]);
  });

  it('refuses malformed notes', () => {
    const peter = key(PETER_KEY);
    const bad: Array<string | Buffer> = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\x01${TEXT}\n${PETER_SIG}`,
      Buffer.concat([Buffer.from([0xff]), Buffer.from(`${TEXT}\n${PETER_SIG}`)]),
      `${TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${TEXT}\n${PETER_SIG.replace('\u2014', '-')}`,
      `${TEXT}\n${PETER_SIG.replace('M=\n', 'M\n')}`,
      `${TEXT}\n\u2014 PeterNeumann AAAA\n`,
      `${TEXT}\r\n${PETER_SIG}`,
    ];
    for (const n of bad) expect(openNote(n, [peter])).toMatchObject({ ok: false, problem: 'malformed' });
  });

  it('ECDSA P-256 notes (type 0x02) round-trip and refuse a changed text or another key', async () => {
    const s = ecdsaSigner();
    const k = await signerVerifierKey('strongroom.example/ledger', s);
    const note = await signNote('hello\n', 'strongroom.example/ledger', s);
    expect(openNote(note, [k]).ok).toBe(true);
    expect(openNote(note.replace('hello', 'hellp'), [k])).toMatchObject({
      ok: false,
      problem: 'bad_signature',
    });
    const other = await signerVerifierKey('strongroom.example/ledger', ecdsaSigner());
    expect(openNote(note, [other])).toMatchObject({ ok: false, problem: 'unverified' });
  });
});

describe('checkpoints (c2sp.org/tlog-checkpoint)', () => {
  const root = Buffer.from(
    '0a c5 18 6a 91 86 3e 8e 1d 90 c8 08 01 4a a8 9b f5 da 8e 3e e1 d9 f0 76 30 f0 37 8f 68 f1 ab 62'.replace(
      / /g,
      '',
    ),
    'hex',
  );

  it('formats and parses the body', () => {
    const body = formatCheckpoint({
      origin: 'example.com/behind-the-sofa',
      size: 20852163n,
      root,
      extensions: [],
    });
    expect(body).toBe(
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
    expect(parseCheckpoint(body)).toEqual({
      ok: true,
      checkpoint: { origin: 'example.com/behind-the-sofa', size: 20852163n, root, extensions: [] },
    });
    expect(parseCheckpoint(`${body}ext one\n`)).toMatchObject({
      ok: true,
      checkpoint: { extensions: ['ext one'] },
    });
    for (const bad of [
      'o\n1\n',
      'o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'o\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n',
      'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n',
      '\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n',
      'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=',
    ])
      expect(parseCheckpoint(bad).ok).toBe(false);
    expect(
      parseCheckpoint('o\n18446744073709551615\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n').ok,
    ).toBe(true);
  });

  it('signs and opens a checkpoint; the origin must be the key name', async () => {
    const s = ed25519Signer(randomBytes(32));
    const k = await signerVerifierKey('strongroom.example/ledger', s);
    const note = await signCheckpoint(
      { origin: 'strongroom.example/ledger', size: 5n, root, extensions: [] },
      s,
    );
    expect(openCheckpoint(note, k)).toMatchObject({ ok: true, checkpoint: { size: 5n } });
    expect(openCheckpoint(note, k, 'other.example/log')).toMatchObject({
      ok: false,
      problem: 'origin_mismatch',
    });
    const notCheckpoint = await signNote('just text\n', 'strongroom.example/ledger', s);
    expect(openCheckpoint(notCheckpoint, k)).toMatchObject({ ok: false, problem: 'malformed_checkpoint' });
  });
});
