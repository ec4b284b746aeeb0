/**
 * Inline SVG charts for the report pages: no script, no external resource, readable without
 * colour (every bar carries its value as text, every chart a <title> and <desc>). Numbers given
 * here only place shapes; the figures shown as text are the caller's exact strings.
 */
import { escapeHtml as esc } from './html';

export interface Bar {
  label: string;
  /** Length of the bar, in any unit (geometry only). */
  value: number;
  /** The exact figure shown next to the bar. */
  text: string;
}

const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();

function frame(width: number, height: number, title: string, desc: string, body: string): string {
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}"><title>${esc(title)}</title><desc>${esc(desc)}</desc>${body}</svg>`
  );
}

/** Horizontal bars, one per row, labels on the left and the figure at the end of each bar. */
export function horizontalBarChart(options: {
  title: string;
  desc: string;
  bars: readonly Bar[];
  /** The value of a full-width bar (default: the largest value). */
  max?: number;
  width?: number;
}): string {
  const width = options.width ?? 760;
  const labelWidth = 190;
  const textWidth = 110;
  const row = 24;
  const top = 8;
  const plot = width - labelWidth - textWidth;
  const max = options.max ?? Math.max(0, ...options.bars.map((b) => b.value));
  const height = top * 2 + Math.max(1, options.bars.length) * row;
  const parts: string[] = [];
  if (options.bars.length === 0) {
    parts.push(`<text x="${width / 2}" y="${height / 2 + 4}" text-anchor="middle">no data</text>`);
  }
  options.bars.forEach((b, i) => {
    const y = top + i * row;
    const w = max > 0 ? Math.max(0, (b.value / max) * plot) : 0;
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect class="bar" x="${labelWidth}" y="${y + 4}" width="${fmt(w)}" height="${row - 8}"><title>${esc(`${b.label}: ${b.text}`)}</title></rect>`,
      `<text x="${fmt(labelWidth + w + 6)}" y="${y + 16}">${esc(b.text)}</text>`,
    );
  });
  parts.push(`<line class="axis" x1="${labelWidth}" y1="${top}" x2="${labelWidth}" y2="${height - top}"/>`);
  return frame(width, height, options.title, options.desc, parts.join(''));
}

/** Vertical columns over a sequence (days), with the first, middle and last labels on the axis. */
export function columnChart(options: {
  title: string;
  desc: string;
  columns: readonly Bar[];
  width?: number;
  height?: number;
}): string {
  const width = options.width ?? 760;
  const height = options.height ?? 220;
  const left = 48;
  const bottom = 28;
  const top = 10;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const n = options.columns.length;
  const max = Math.max(0, ...options.columns.map((c) => c.value));
  const step = n > 0 ? plotW / n : plotW;
  const parts: string[] = [
    `<line class="axis" x1="${left}" y1="${top + plotH}" x2="${width - 10}" y2="${top + plotH}"/>`,
    `<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}"/>`,
    `<text x="${left - 6}" y="${top + 10}" text-anchor="end">${esc(String(max))}</text>`,
    `<text x="${left - 6}" y="${top + plotH}" text-anchor="end">0</text>`,
  ];
  if (n === 0) parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text>`);
  options.columns.forEach((c, i) => {
    const h = max > 0 ? (c.value / max) * plotH : 0;
    const x = left + i * step + step * 0.1;
    parts.push(
      `<rect class="bar" x="${fmt(x)}" y="${fmt(top + plotH - h)}" width="${fmt(Math.max(1, step * 0.8))}" height="${fmt(h)}"><title>${esc(`${c.label}: ${c.text}`)}</title></rect>`,
    );
  });
  const labelled = n > 0 ? [...new Set([0, Math.floor((n - 1) / 2), n - 1])] : [];
  for (const i of labelled) {
    const c = options.columns[i] as Bar;
    const x = left + i * step + step / 2;
    const anchor = i === 0 && n > 1 ? 'start' : i === n - 1 && n > 1 ? 'end' : 'middle';
    const at = anchor === 'start' ? left : anchor === 'end' ? width - 10 : x;
    parts.push(`<text x="${fmt(at)}" y="${height - 8}" text-anchor="${anchor}">${esc(c.label)}</text>`);
  }
  return frame(width, height, options.title, options.desc, parts.join(''));
}

export interface Point {
  /** Position along the x axis (e.g. ms since the epoch). */
  x: number;
  y: number;
  label: string;
  text: string;
}

/** A line through points, with an optional horizontal limit (e.g. the maximum allowed age). */
export function lineChart(options: {
  title: string;
  desc: string;
  points: readonly Point[];
  limit?: { y: number; text: string };
  yUnit: string;
  width?: number;
  height?: number;
}): string {
  const width = options.width ?? 760;
  const height = options.height ?? 220;
  const left = 56;
  const bottom = 28;
  const top = 12;
  const plotW = width - left - 16;
  const plotH = height - top - bottom;
  const pts = options.points;
  const xs = pts.map((p) => p.x);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const maxY = Math.max(0, options.limit?.y ?? 0, ...pts.map((p) => p.y)) || 1;
  const px = (x: number): number =>
    maxX > minX ? left + ((x - minX) / (maxX - minX)) * plotW : left + plotW / 2;
  const py = (y: number): number => top + plotH - (y / maxY) * plotH;
  const parts: string[] = [
    `<line class="axis" x1="${left}" y1="${top + plotH}" x2="${width - 16}" y2="${top + plotH}"/>`,
    `<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}"/>`,
    `<text x="${left - 6}" y="${top + 10}" text-anchor="end">${esc(`${fmt(maxY)} ${options.yUnit}`)}</text>`,
    `<text x="${left - 6}" y="${top + plotH}" text-anchor="end">0</text>`,
  ];
  if (pts.length === 0)
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text>`);
  if (options.limit) {
    const y = fmt(py(options.limit.y));
    parts.push(
      `<line class="limit" x1="${left}" y1="${y}" x2="${width - 16}" y2="${y}"/>`,
      `<text x="${width - 18}" y="${fmt(py(options.limit.y) - 4)}" text-anchor="end">${esc(options.limit.text)}</text>`,
    );
  }
  if (pts.length > 1) {
    const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${fmt(px(p.x))},${fmt(py(p.y))}`).join(' ');
    parts.push(`<path class="line" d="${d}"/>`);
  }
  for (const p of pts) {
    parts.push(
      `<circle class="dot" cx="${fmt(px(p.x))}" cy="${fmt(py(p.y))}" r="3"><title>${esc(`${p.label}: ${p.text}`)}</title></circle>`,
    );
  }
  const first = pts[0];
  const last = pts[pts.length - 1];
  if (first) parts.push(`<text x="${left}" y="${height - 8}">${esc(first.label)}</text>`);
  if (last && pts.length > 1) {
    parts.push(`<text x="${width - 16}" y="${height - 8}" text-anchor="end">${esc(last.label)}</text>`);
  }
  return frame(width, height, options.title, options.desc, parts.join(''));
}
