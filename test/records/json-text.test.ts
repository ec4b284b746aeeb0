/** What JSON.parse would decide silently, found in the text (issue 8, item 5; src/records/json-text.ts). */
import { jsonTextIssues, numberLossReason } from '../../src/records/json-text';

describe('numberLossReason', () => {
  test.each([
    '0',
    '-0',
    '1000',
    '9007199254740991',
    '-9007199254740991',
    '0.1',
    '1.50',
    '1E3',
    '1.0e+3',
    '5e-324',
    '123.456',
    '1e21',
  ])('%s survives parsing', (literal) => expect(numberLossReason(literal)).toBeNull());
  test.each([
    ['1000.00000000000000001', /would be stored as 1000/],
    ['9007199254740993', /safe integer range/],
    ['-9007199254740992', /safe integer range/],
    ['0.30000000000000000001', /would be stored as 0.3/],
    ['1e400', /outside the range/],
    ['12345678901234567890.5', /would be stored as/],
  ])('%s does not', (literal, reason) => expect(numberLossReason(literal)).toMatch(reason));
});

describe('jsonTextIssues', () => {
  test('finds duplicate keys and imprecise numbers with their paths, in nested objects and arrays', () => {
    const text =
      '{"a":1,"b":{"c":[1, 2.00000000000000000001, {"d":"x\\"y","d":true}]},"a":null, "e":[], "f":{}, "g":"\\\\"}';
    expect(JSON.parse(text)).toBeDefined();
    expect(jsonTextIssues(text)).toEqual([
      expect.objectContaining({ path: 'b.c.1', code: 'imprecise_number' }),
      expect.objectContaining({ path: 'b.c.2.d', code: 'duplicate_key' }),
      expect.objectContaining({ path: 'a', code: 'duplicate_key' }),
    ]);
  });

  test('well-behaved JSON has none; keys are compared decoded (\\u0061 is "a")', () => {
    expect(jsonTextIssues(' { "a" : [ true , false , null , -1.5e2 ] , "b" : "é" } ')).toEqual([]);
    expect(jsonTextIssues('{"a":1,"\\u0061":2}')).toEqual([
      expect.objectContaining({ code: 'duplicate_key' }),
    ]);
  });
});
