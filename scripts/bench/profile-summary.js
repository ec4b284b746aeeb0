#!/usr/bin/env node
'use strict';
// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `node scripts/bench/emulator.js
// --cpu-prof DIR`): where the samples fall, by function (self and inclusive time) and by
// module (the project's own files, each npm package, node internals, GC, idle).
//
//   node scripts/bench/profile-summary.js FILE.cpuprofile [--top 30] [--include-idle]
//
// Percentages are of busy samples (idle excluded) unless --include-idle is given.
const fs = require('node:fs');
const path = require('node:path');

function parseArgs(argv) {
  const o = { files: [], top: 30, includeIdle: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') o.top = Number(argv[++i]);
    else if (argv[i] === '--include-idle') o.includeIdle = true;
    else o.files.push(argv[i]);
  }
  if (!o.files.length) {
    process.stderr.write(
      'usage: node scripts/bench/profile-summary.js FILE.cpuprofile [--top 30] [--include-idle]\n',
    );
    process.exit(2);
  }
  return o;
}

const ROOT = path.resolve(__dirname, '..', '..');

function moduleOf(url, fn) {
  if (!url) {
    if (fn === '(garbage collector)' || fn === '(idle)' || fn === '(program)' || fn === '(root)') return fn;
    return '(native)';
  }
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith('node:'))
    return 'node:' + u.slice(5).split('/')[0] + (u.includes('internal') ? ' (internal)' : '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (u.startsWith(ROOT + '/')) return u.slice(ROOT.length + 1);
  return u;
}

function shortUrl(url) {
  if (!url) return '';
  let u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) return u.slice(nm + 14);
  if (u.startsWith(ROOT + '/')) return u.slice(ROOT.length + 1);
  return u;
}

function summarise(file, o) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map();
  const parent = new Map();
  for (const n of prof.nodes) {
    byId.set(n.id, n);
    for (const c of n.children || []) parent.set(c, n.id);
  }
  const key = (n) => {
    const cf = n.callFrame;
    return `${cf.functionName || '(anonymous)'}\t${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
  };
  const isIdle = (n) => n.callFrame.functionName === '(idle)';
  const self = new Map();
  const incl = new Map();
  const mods = new Map();
  let busy = 0;
  let idle = 0;
  const counts = new Map();
  for (const s of prof.samples) counts.set(s, (counts.get(s) || 0) + 1);
  for (const [id, c] of counts) {
    const n = byId.get(id);
    if (isIdle(n)) {
      idle += c;
      if (!o.includeIdle) continue;
    }
    busy += c;
    const k = key(n);
    self.set(k, (self.get(k) || 0) + c);
    const m = moduleOf(n.callFrame.url, n.callFrame.functionName);
    mods.set(m, (mods.get(m) || 0) + c);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const ck = key(byId.get(cur));
      if (seen.has(ck)) continue;
      seen.add(ck);
      incl.set(ck, (incl.get(ck) || 0) + c);
    }
  }
  const durS = (prof.endTime - prof.startTime) / 1e6;
  const pct = (c) => ((100 * c) / busy).toFixed(1).padStart(5) + '%';
  const out = [];
  out.push(
    `${file}: ${durS.toFixed(1)} s, ${prof.samples.length} samples, idle ${((100 * idle) / prof.samples.length).toFixed(1)}%`,
  );
  out.push('');
  out.push('By module (self time, % of ' + (o.includeIdle ? 'all' : 'busy') + ' samples):');
  for (const [m, c] of [...mods].sort((a, b) => b[1] - a[1]).slice(0, o.top)) out.push(`  ${pct(c)}  ${m}`);
  out.push('');
  out.push('Top functions by self time:');
  for (const [k, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, o.top)) {
    const [fn, where] = k.split('\t');
    out.push(`  ${pct(c)}  ${fn}  ${where}`);
  }
  out.push('');
  out.push('Top functions by inclusive time (self + callees):');
  for (const [k, c] of [...incl]
    .sort((a, b) => b[1] - a[1])
    .filter(([k2]) => !k2.startsWith('(root)'))
    .slice(0, o.top)) {
    const [fn, where] = k.split('\t');
    out.push(`  ${pct(c)}  ${fn}  ${where}`);
  }
  return out.join('\n');
}

const o = parseArgs(process.argv.slice(2));
for (const f of o.files) process.stdout.write(summarise(f, o) + '\n\n');
