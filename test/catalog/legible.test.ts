import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCatalog, verifyAuditChain } from '../../src/catalog';
import { legibleText } from '../../src/catalog/group';

describe('audit text with control characters', () => {
  it('writes control characters as \\uXXXX and leaves other text alone', () => {
    expect(legibleText('T-1\u0000x\n\u007f')).toBe('T-1\\u0000x\\u000a\\u007f');
    expect(legibleText('T-1 é 中 ../x')).toBe('T-1 é 中 ../x');
  });

  it('records a hostile target legibly, with a chain that verifies', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-legible-'));
    const catalog = await openCatalog({ sqlitePath: path.join(dir, 'c.sqlite') });
    try {
      const e = await catalog.appendAudit({
        principalId: null,
        action: 'records.read',
        target: 'T-1\u0000',
        outcome: 'denied',
        requestId: 'r\u0001',
      });
      expect(e.target).toBe('T-1\\u0000');
      expect(e.requestId).toBe('r\\u0001');
      expect(await verifyAuditChain(catalog)).toMatchObject({ ok: true, count: 1 });
    } finally {
      await catalog.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
