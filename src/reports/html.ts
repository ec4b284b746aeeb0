/**
 * One self-contained HTML page per report: inline CSS, inline SVG, no script, no external
 * resource (the Content-Security-Policy says so to the browser too), legible on screen and in
 * print (A4), so a compliance officer can attach it to a submission as it is.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A tagged template whose interpolations are escaped unless they are `Html` already. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value as string | number);
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Markup from a trusted producer (the chart functions), inserted as it is. */
export function raw(text: string): Html {
  return new Html(text);
}

const CSS = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #555; --rule: #c8c8c8; --ok: #1b6e2a;
  --warn: #8a5a00; --fail: #a1141c; --bar: #2f5d8a; --na: #6b6b6b; }
* { box-sizing: border-box; }
body { font: 14px/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
  margin: 24px auto; max-width: 1040px; padding: 0 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p, li { max-width: 80ch; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; }
th, td { border: 1px solid var(--rule); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.facts th { width: 30%; }
.status { font-weight: 700; white-space: nowrap; }
.status-ok { color: var(--ok); } .status-warning { color: var(--warn); } .status-failing { color: var(--fail); }
.na { color: var(--na); font-style: italic; }
figure { margin: 12px 0; } figcaption { color: var(--muted); font-size: 12px; }
svg.chart { max-width: 100%; height: auto; }
svg.chart text { font: 11px "DejaVu Sans", Arial, sans-serif; fill: var(--ink); }
svg.chart .bar { fill: var(--bar); } svg.chart .axis { stroke: #888; stroke-width: 1; }
svg.chart .line { fill: none; stroke: var(--bar); stroke-width: 2; } svg.chart .limit { stroke: var(--fail); stroke-dasharray: 4 3; }
svg.chart .dot { fill: var(--bar); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); padding-top: 8px; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } table, figure { break-inside: avoid; } }
@page { size: A4; margin: 14mm; }
`;

/** The whole page. */
export function page(options: { title: string; body: Html; lang?: string }): string {
  return `<!doctype html>
<html lang="${escapeHtml(options.lang ?? 'en')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(options.title)}</title>
<style>${CSS}</style>
</head>
<body>
${options.body.text}
</body>
</html>
`;
}

/** "not available" with the reason, as shown wherever a fact is missing. */
export function notAvailable(reason: string): Html {
  return html`<span class="na">not available: ${reason}</span>`;
}
