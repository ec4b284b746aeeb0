/**
 * The bag's tag files, byte for byte (RFC 8493 BagIt 1.0). All are UTF-8 without a BOM, lines end
 * in LF. By hand, from inside the bag directory:
 *
 *     printf 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n'        # bagit.txt
 *     find data -type f -print0 | sort -z | xargs -0 sha256sum                  # manifest-sha256.txt (any order)
 *     sha256sum bagit.txt bag-info.txt manifest-sha256.txt manifest-sha512.txt  # tagmanifest-sha256.txt
 */
import type { BagRequest } from './types';

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

export const PAYLOAD_ALGORITHMS = ['sha256', 'sha512'] as const;
export type PayloadAlgorithm = (typeof PAYLOAD_ALGORITHMS)[number];

/**
 * One manifest line: digest, two spaces, path (the `sha256sum` layout, which RFC 8493 §2.1.3's
 * "one or more linear whitespace" allows). Paths follow src/export/paths.ts, so nothing needs
 * percent-encoding.
 */
export function manifestLine(digest: string, path: string): string {
  return `${digest}  ${path}\n`;
}

/** Bag-Size as RFC 8493 §2.2.2 suggests: approximate, human-readable, decimal units. */
export function humanSize(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${bytes} bytes`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * A tag value on one line: CR, LF and other control characters become spaces (RFC 8493 §2.2.2
 * would allow folding, but a value that cannot break a line cannot forge another label either).
 */
export function tagValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

export interface BagInfoFacts {
  request: BagRequest;
  sourceOrganization: string;
  baggedAt: Date;
  payloadFiles: number;
  payloadBytes: number;
  records: number;
  recordBytes: number;
  auditEvents: number;
  checkpoint: string;
}

/** bag-info.txt: the reserved labels of RFC 8493 §2.2.2 first, then the request's own facts. */
export function bagInfoTxt(f: BagInfoFacts): string {
  const r = f.request;
  const [origin, treeSize] = f.checkpoint.split('\n');
  const lines: Array<[string, string]> = [
    ['Source-Organization', f.sourceOrganization],
    ['External-Identifier', r.exportId],
    ['Bagging-Date', f.baggedAt.toISOString().slice(0, 10)],
    ['Payload-Oxum', `${f.payloadBytes}.${f.payloadFiles}`],
    ['Bag-Size', humanSize(f.payloadBytes)],
    [
      'Internal-Sender-Description',
      `Records produced for request ${r.reference} to ${r.recipient.name} (${r.recipient.organisation}): ${r.purpose}`,
    ],
    ['Bag-Software-Agent', 'strongroom'],
    ['Request-Reference', r.reference],
    ['Recipient-Name', r.recipient.name],
    ['Recipient-Organisation', r.recipient.organisation],
  ];
  if (r.recipient.email) lines.push(['Recipient-Email', r.recipient.email]);
  if (r.requestedBy) lines.push(['Requested-By', r.requestedBy]);
  if (r.criteria) lines.push(['Selection-Criteria', JSON.stringify(r.criteria)]);
  lines.push(
    ['Record-Count', String(f.records)],
    ['Record-Bytes', String(f.recordBytes)],
    ['Audit-Event-Count', String(f.auditEvents)],
    ['Checkpoint-Origin', origin ?? ''],
    ['Checkpoint-Tree-Size', treeSize ?? ''],
  );
  return lines.map(([label, value]) => `${label}: ${tagValue(value)}\n`).join('');
}
