import fs from 'node:fs';
import path from 'node:path';
import { countLines, duration, ErrorGroups, IngestProgress, renderGroups } from '../../src/cli/ingest-report';
import { tempDir } from '../helpers/common';

/** The pieces of `strongroom ingest`'s report: line counts, progress, grouped failures. */

describe('countLines', () => {
  const dir = tempDir('count');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('counts what the API answers: non-blank NDJSON lines, CSV records after the header', async () => {
    expect(await countLines(write('a.ndjson', '{}\n\n  \n{}\r\n{}'), 'ndjson')).toBe(3);
    expect(await countLines(write('empty.ndjson', ''), 'ndjson')).toBe(0);
    // A quoted field spanning lines is one record; a blank line is none.
    expect(await countLines(write('a.csv', 'a,b\n1,"x\ny"\n\n2,z\n'), 'csv')).toBe(2);
    expect(await countLines(write('header.csv', 'a,b\n'), 'csv')).toBe(0);
    // A line longer than any buffer is still one line.
    expect(await countLines(write('long.ndjson', `${'x'.repeat(200_000)}\n{}\n`), 'ndjson')).toBe(2);
  });
});

describe('IngestProgress', () => {
  it('answered lines of the total, the rate since the first answer, and the time left', () => {
    const p = new IngestProgress(1000, 0);
    expect(p.line({ answered: 0, failed: 0 }, 2_000)).toBe(
      'ingest: 0/1000 lines (0%), - lines/s, ETA -, 2s elapsed',
    );
    // First answer at 2 s; 250 answered 5 s later: 50 lines/s, 750 left: 15 s.
    expect(p.line({ answered: 1, failed: 0 }, 2_000)).toMatch(/^ingest: 1\/1000 lines \(0%\)/);
    expect(p.line({ answered: 250, failed: 3 }, 7_000)).toBe(
      'ingest: 250/1000 lines (25%), 50 lines/s, ETA 15s, 7s elapsed, 3 failed',
    );
    expect(p.bar({ answered: 500, failed: 0 }, 12_000, 10)).toBe(
      '[#####.....] 500/1000 lines (50%), 50 lines/s, ETA 10s, 12s elapsed',
    );
    expect(p.bar({ answered: 1000, failed: 0 }, 22_000, 10)).toMatch(
      /^\[#{10}\] 1000\/1000 lines \(100%\), 50 lines\/s, done/,
    );
  });

  it('a batch answered all at once shows, when done, its rate over the whole run', () => {
    const p = new IngestProgress(40, 0);
    // Every answer in one response at 2 s: no rate while the window is under half a second...
    expect(p.line({ answered: 20, failed: 0 }, 2_000)).toMatch(/, - lines\/s, /);
    // ...but the finished batch has one: 40 lines over 2.1 s.
    expect(p.line({ answered: 40, failed: 0 }, 2_100)).toBe(
      'ingest: 40/40 lines (100%), 19 lines/s, done, 2s elapsed',
    );
  });

  it('durations read as people write them', () => {
    expect([duration(4.4), duration(65), duration(3600 + 120), duration(-1)]).toEqual([
      '4s',
      '1m 05s',
      '1h 02m',
      '0s',
    ]);
  });
});

describe('ErrorGroups', () => {
  it('groups by code, field and message; each validation issue counts; other errors by message', () => {
    const g = new ErrorGroups();
    for (let line = 1; line <= 12; line++)
      g.add({
        line,
        code: 'ValidationFailed',
        message: 'the record is not valid: 1 issue(s)',
        details: [{ path: 'quantity', code: 'required', message: 'required' }],
      });
    g.add({
      line: 13,
      code: 'ValidationFailed',
      message: 'the record is not valid: 2 issue(s)',
      details: [
        { path: 'quantity', code: 'required', message: 'required' },
        { path: 'price', code: 'invalid_decimal', message: 'a decimal string' },
      ],
    });
    g.add({
      line: 14,
      code: 'Conflict',
      message: 'T-1 is archived with other content',
      hint: 'send a correction',
    });
    const groups = g.list();
    expect(groups.map((x) => [x.count, x.code, x.path ?? null])).toEqual([
      [13, 'ValidationFailed', 'quantity'],
      [1, 'ValidationFailed', 'price'],
      [1, 'Conflict', null],
    ]);
    expect(groups[0]?.lines).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(renderGroups(groups)).toEqual([
      '  13 x quantity: required (ValidationFailed; lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ...)',
      '   1 x price: a decimal string (ValidationFailed; line 13)',
      '   1 x T-1 is archived with other content (Conflict; line 14)',
      '       hint: send a correction',
    ]);
    expect(renderGroups(groups, 1)).toEqual([
      '  13 x quantity: required (ValidationFailed; lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ...)',
      '  ... and 2 other kinds of failure (see --results FILE)',
    ]);
  });
});
