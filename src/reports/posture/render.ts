/** The EDSP posture report as JSON and as one HTML page with its pictures. */
import { html, notAvailable, page, raw, type Html } from '../html';
import { columnChart, horizontalBarChart, lineChart } from '../svg';
import type { PostureReport } from './evaluate';
import type { Fact, PostureFacts } from './facts';
import { humanAge } from './lines';

export function postureJson(report: PostureReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function factText<T>(fact: Fact<T>, show: (v: T) => string | Html): Html | string {
  return fact.available ? show(fact.value) : notAvailable(fact.reason);
}

function statusCell(status: string): Html {
  return html`<span class="status status-${status}">${status.toUpperCase()}</span>`;
}

function recordsChart(facts: PostureFacts): Html {
  const f = facts.recordsPerDay;
  if (!f.available) return notAvailable(f.reason);
  const total = f.value.reduce((a, d) => a + d.count, 0);
  return raw(
    columnChart({
      title: `Records ingested per day, last ${f.value.length} days (Hong Kong time)`,
      desc: `${total} records in all; one column per day.`,
      columns: f.value.map((d) => ({ label: d.date, value: d.count, text: `${d.count} records` })),
    }),
  );
}

function auditChart(facts: PostureFacts): Html {
  const f = facts.auditEventsBySource;
  if (!f.available) return notAvailable(f.reason);
  return raw(
    horizontalBarChart({
      title: 'Audit events by source',
      desc: 'Number of audit events in the trail, per source.',
      bars: f.value.map((s) => ({ label: s.source, value: s.count, text: String(s.count) })),
    }),
  );
}

/**
 * Checkpoint age over time: at each checkpoint, how old the previous one had become, and the
 * age of the last one now. A sawtooth below the dashed limit is a healthy ledger.
 */
function checkpointChart(report: PostureReport): Html {
  const f = report.facts.checkpoint;
  if (!f.available) return notAvailable(f.reason);
  const times = f.value.history.map((c) => Date.parse(c.at)).sort((a, b) => a - b);
  if (times.length === 0) return notAvailable('no checkpoint has been signed yet');
  const now = Date.parse(report.generatedAt);
  const points = times.slice(1).map((t, i) => ({
    x: t,
    y: (t - (times[i] as number)) / 3_600_000,
    label: new Date(t).toISOString().slice(0, 16).replace('T', ' '),
    text: `previous checkpoint ${humanAge(Math.round((t - (times[i] as number)) / 1000))} old`,
  }));
  const last = times[times.length - 1] as number;
  points.push({
    x: now,
    y: (now - last) / 3_600_000,
    label: 'now',
    text: `last checkpoint ${humanAge(Math.round((now - last) / 1000))} old`,
  });
  const limitH = report.thresholds.checkpointMaxAgeSeconds / 3600;
  return raw(
    lineChart({
      title: 'Checkpoint age over time (hours)',
      desc: 'At each checkpoint, the age the previous one had reached; the last point is the age now.',
      points,
      limit: { y: limitH, text: `limit ${limitH} h` },
      yUnit: 'h',
    }),
  );
}

function bucketsTable(facts: PostureFacts): Html {
  const b = facts.buckets;
  if (!b.available) return html`<p>${notAvailable(b.reason)}</p>`;
  return html`<table>
    <tr>
      <th>Bucket</th>
      <th>Role / class</th>
      <th>Retention (configured days)</th>
      <th>Access logging</th>
      <th>Encryption</th>
      <th>HTTPS only</th>
    </tr>
    ${b.value.map(
      (x) =>
        html`<tr>
          <td>${x.bucket}</td>
          <td>${x.role}${x.className ? ` / ${x.className}` : ''}</td>
          <td>
            ${x.exists ? factText(x.retention, (r) => `${r.state}${r.days !== null ? `, ${r.days} days` : ''}`) : notAvailable('no such bucket')}
            (${x.configuredDays})
          </td>
          <td>${factText(x.logging, (l) => (l ? `${l.targetBucket}/${l.targetPrefix}` : 'off'))}</td>
          <td>
            ${factText(x.encryption, (e) => (e ? `${e.algorithm}${e.keyId ? ` (${e.keyId})` : ''}` : 'none'))}
          </td>
          <td>${factText(x.httpsOnly, (h) => (h ? 'yes' : 'no'))}</td>
        </tr>`,
    )}
  </table>`;
}

function principalsTable(facts: PostureFacts): Html {
  const p = facts.principals;
  if (!p.available) return html`<p>${notAvailable(p.reason)}</p>`;
  const roles = [...new Set(p.value.map((x) => x.role))].sort();
  return html`<table>
    <tr>
      <th>Role</th>
      <th class="num">Active</th>
      <th class="num">Disabled</th>
      <th>Active, by name</th>
    </tr>
    ${roles.map((role) => {
      const of = p.value.filter((x) => x.role === role);
      const active = of.filter((x) => x.active);
      return html`<tr>
        <td>${role}</td>
        <td class="num">${active.length}</td>
        <td class="num">${of.length - active.length}</td>
        <td>${active.map((x) => `${x.name} (${x.kind})`).join(', ')}</td>
      </tr>`;
    })}
  </table>`;
}

export function postureHtml(report: PostureReport): string {
  const f = report.facts;
  const body = html`
    <header>
      <h1>EDSP posture report</h1>
      <p class="muted">
        SFC circular "Use of external electronic data storage" (31 October 2019), paragraph 7, answered from
        the archive's own configuration and records.
      </p>
      <table class="facts">
        <tr>
          <th>Operator</th>
          <td>${factText(f.operator, (v) => v)}</td>
        </tr>
        <tr>
          <th>EDSP, region, endpoint</th>
          <td>${factText(f.edsp, (e) => `${e.provider}, ${e.region}, ${e.endpoint}`)}</td>
        </tr>
        <tr>
          <th>Generated</th>
          <td>${report.generatedAt}</td>
        </tr>
        <tr>
          <th>Overall</th>
          <td>
            ${statusCell(report.overall)} · ${report.counts.ok} ok, ${report.counts.warning} warnings,
            ${report.counts.failing} failing
          </td>
        </tr>
      </table>
    </header>

    <h2>Paragraph by paragraph</h2>
    <table id="lines">
      <tr>
        <th>Ref</th>
        <th>Requirement</th>
        <th>Status</th>
        <th>Finding and evidence</th>
      </tr>
      ${report.lines.map(
        (l) =>
          html`<tr data-line="${l.id}" data-status="${l.status}">
            <td>${l.ref}</td>
            <td>${l.requirement}</td>
            <td>${statusCell(l.status)}</td>
            <td>
              <strong>${l.summary}</strong>
              <ul>
                ${l.evidence.map((e) => html`<li>${e}</li>`)}
              </ul>
            </td>
          </tr>`,
      )}
    </table>

    <h2>Pictures</h2>
    <h3>Records ingested per day</h3>
    <figure>${recordsChart(f)}</figure>
    <h3>Audit events by source</h3>
    <figure>${auditChart(f)}</figure>
    <h3>Checkpoint age over time</h3>
    <figure>${checkpointChart(report)}</figure>

    <h2>Buckets</h2>
    ${bucketsTable(f)}

    <h2>Principals by role</h2>
    ${principalsTable(f)}

    <h2>How it was evaluated</h2>
    <ul>
      <li>
        A line is failing when the evidence shows the requirement is not met, a warning when it is at risk or
        cannot be shown (a fact marked "not available"), ok otherwise.
      </li>
      <li>
        Limits (operator-configurable): at least ${report.thresholds.minCompliancePrincipals} active named
        compliance principals (one is a warning, none is failing); checkpoint at most
        ${humanAge(report.thresholds.checkpointMaxAgeSeconds)} old; sealing lag at most
        ${humanAge(report.thresholds.sealingMaxLagSeconds)}; access-log import lag at most
        ${humanAge(report.thresholds.logImportMaxLagSeconds)}; last fixity sweep at most
        ${humanAge(report.thresholds.fixityMaxAgeSeconds)} old; signed URLs at most
        ${humanAge(report.thresholds.signedUrlMaxExpirySeconds)}.
      </li>
      <li>Facts gathered at ${f.gatheredAt}; the JSON form of this report carries every fact.</li>
    </ul>

    <footer>strongroom · report ${report.report} v${report.version}</footer>
  `;
  return page({ title: `EDSP posture report ${report.generatedAt.slice(0, 10)}`, body });
}
