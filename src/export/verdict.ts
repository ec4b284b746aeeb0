import type { BagProblem } from './bag-parse';
import type { BagSummary } from './verify-bag';

/** How many problems the verdict text lists one by one (the result always holds them all). */
export const VERDICT_PROBLEMS_SHOWN = 100;

function problemLine(p: BagProblem): string {
  let line = `  - ${p.file}: ${p.what}`;
  if (p.expected !== undefined) line += `\n      expected ${p.expected}`;
  if (p.found !== undefined) line += `\n      found    ${p.found}`;
  return line;
}

/** The legible verdict `strongroom verify bag` prints. */
export function verdictText(path: string, s: BagSummary, problems: BagProblem[]): string {
  const lines = [`Bag ${s.exportId ?? '(no External-Identifier)'} in ${path} (${s.source})`];
  if (s.baggingDate) lines.push(`  bagged on ${s.baggingDate}`);
  lines.push(
    `  payload: ${s.payloadFiles} files, ${s.payloadBytes} bytes; ${s.records} records, ${s.proofsChecked} proofs checked`,
  );
  if (s.key !== null) {
    lines.push(
      s.keySource === 'given'
        ? `  checkpoint key (given): ${s.key}`
        : `  checkpoint key (taken from the bag itself; compare it with the key the archive publishes): ${s.key}`,
    );
  }
  if (problems.length === 0) {
    lines.push(
      '',
      'VERIFIED: bagit.txt, both payload manifests, the tag manifest, Payload-Oxum, completeness (no file missing',
      'or added), every record against index.csv, every proof against the checkpoint, and its signature.',
    );
  } else {
    lines.push('', `DOES NOT VERIFY: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    for (const p of problems.slice(0, VERDICT_PROBLEMS_SHOWN)) lines.push(problemLine(p));
    if (problems.length > VERDICT_PROBLEMS_SHOWN) {
      lines.push(`  ... and ${problems.length - VERDICT_PROBLEMS_SHOWN} more (--json lists them all)`);
    }
  }
  return `${lines.join('\n')}\n`;
}
