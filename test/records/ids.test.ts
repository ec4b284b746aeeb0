import { checkRecordId, isValidRecordId, RECORD_ID_PATTERN } from '../../src/records';

describe('record ids', () => {
  it.each(['T-20261121-000001', 'a', '0', 'A.b_c-d', 'x'.repeat(128), 'a..b'])('accepts %j', (id) => {
    expect(isValidRecordId(id)).toBe(true);
    expect(checkRecordId(id)).toEqual({ ok: true, id });
  });

  it.each<[unknown, RegExp]>([
    ['../etc/passwd', /path/],
    ['a/../../b', /path/],
    ['a/b', /"\/"/],
    ['a\\b', /"\\"/],
    ['', /empty/],
    ['x'.repeat(129), /at most 128 characters, got 129/],
    ['abc\u0000', /control characters \(found U\+0000\)/],
    ['abc\n', /control characters/],
    ['abc\u0085', /control characters/],
    ['.hidden', /start with a letter or a digit/],
    ['-rf', /start with a letter or a digit/],
    ['a b', /found " " \(U\+0020\)/],
    ['a:b', /found ":"/],
    ['caf\u00e9', /found U\+00E9/],
    ['emoji\ud83d\ude00', /found U\+1F600/],
    [42, /a string, got number/],
    [null, /got null/],
    [undefined, /got undefined/],
  ])('refuses %j with a reason', (id, reason) => {
    expect(isValidRecordId(id)).toBe(false);
    const check = checkRecordId(id);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('agrees with the documented pattern on a spread of inputs', () => {
    const samples = [
      'a',
      'Z9',
      '9.',
      '_a',
      'a_',
      'a~b',
      'a%2e',
      'A'.repeat(127) + '.',
      '\u0130',
      'a\tb',
      ' a',
      'a ',
    ];
    for (const s of samples) expect(checkRecordId(s).ok).toBe(RECORD_ID_PATTERN.test(s));
  });
});
