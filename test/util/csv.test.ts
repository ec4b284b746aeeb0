import { csvCell, csvRow } from '../../src/util/csv';

describe('csvCell', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+41 22', "'+41 22"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['plain', 'plain'],
    ['C-1001', 'C-1001'],
  ])('neutralises formula starts: %j -> %j', (input, want) => {
    expect(csvCell(input)).toBe(want);
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("x","y")')).toBe('"\'=HYPERLINK(""x"",""y"")"');
  });

  it('writes numbers as numbers and absent values as empty cells', () => {
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(10n)).toBe('10');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvRow(['a', 1, null, '=x'])).toBe("a,1,,'=x\r\n");
  });
});
