/**
 * CSV that people open: RFC 4180 quoting, CRLF line ends, and cells neutralised against formula
 * injection (OWASP "CSV Injection"). A text cell starting with `=`, `+`, `-`, `@`, TAB or CR is
 * prefixed with a single quote, which spreadsheets show as text and never evaluate. Numbers are
 * written as numbers. Every CSV the archive writes (audit queries, export indexes, reports) goes
 * through here; the records themselves are stored as sent.
 */
export type CsvValue = string | number | bigint | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell, quoted when it holds a comma, a quote or a line break. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row, ending in CRLF. */
export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
