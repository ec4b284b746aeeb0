#!/usr/bin/env node
'use strict';
// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `node scripts/bench/emulator.js
// --cpu-prof DIR`): where the samples fall, by function (self and inclusive time) and by
// module (the project's own files, each npm package, node internals, GC, idle).
//
//   node scripts/bench/profile-summary.js FILE.cpuprofile [--top 30] [--include-idle] [--callers NAME]
//        [--skip-s N] [--until-s N]
//
// --skip-s N ignores the first N seconds of the profile (start-up, warm-up, pre-fill); --until-s N
// ignores samples after N seconds from the start.
// --callers NAME adds, for every function called NAME, the share of samples spent under it by
// each of its callers (the frame just above it on the stack).
//
// Percentages are of busy samples (idle excluded) unless --include-idle is given.
const fs = require('node:fs');
const path = require('node:path');

function parseArgs(argv) {
  const o = { files: [], top: 30, includeIdle: false, callers: [], skipS: 0, untilS: Infinity };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') o.top = Number(argv[++i]);
    else if (argv[i] === '--include-idle') o.includeIdle = true;
    else if (argv[i] === '--callers') o.callers.push(argv[++i]);
    else if (argv[i] === '--skip-s') o.skipS = Number(argv[++i]);
    else if (argv[i] === '--until-s') o.untilS = Number(argv[++i]);
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
  const callers = new Map(); // name -> Map(caller key -> samples)
  let busy = 0;
  let idle = 0;
  const counts = new Map();
  let t = prof.startTime;
  let kept = 0;
  prof.samples.forEach((s, i) => {
    t += prof.timeDeltas ? prof.timeDeltas[i] : 0;
    const at = (t - prof.startTime) / 1e6;
    if (at < o.skipS || at > o.untilS) return;
    kept++;
    counts.set(s, (counts.get(s) || 0) + 1);
  });
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
    for (const name of o.callers) {
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
        if (byId.get(cur).callFrame.functionName !== name) continue;
        const p = parent.get(cur);
        const ck = `${name} <- ${p === undefined ? '(top)' : key(byId.get(p)).replace('\t', '  ')}`;
        if (!callers.has(name)) callers.set(name, new Map());
        const m2 = callers.get(name);
        m2.set(ck, (m2.get(ck) || 0) + c);
        break;
      }
    }
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const ck = key(byId.get(cur));
      if (seen.has(ck)) continue;
      seen.add(ck);
      incl.set(ck, (incl.get(ck) || 0) + c);
    }
  }
  const durS = (prof.endTime - prof.startTime) / 1e6;
  const window =
    o.skipS > 0 || o.untilS < Infinity
      ? ` (window ${o.skipS}..${Math.min(o.untilS, durS).toFixed(1)} s)`
      : '';
  const pct = (c) => ((100 * c) / busy).toFixed(1).padStart(5) + '%';
  const out = [];
  out.push(
    `${file}: ${durS.toFixed(1)} s${window}, ${kept} samples, idle ${((100 * idle) / Math.max(1, kept)).toFixed(1)}%`,
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
  for (const [name, m2] of callers) {
    out.push('');
    out.push(`Callers of ${name} (samples under it, by the calling frame):`);
    for (const [k, c] of [...m2].sort((a, b) => b[1] - a[1]).slice(0, o.top)) out.push(`  ${pct(c)}  ${k}`);
  }
  return out.join('\n');
}

const o = parseArgs(process.argv.slice(2));
for (const f of o.files) process.stdout.write(summarise(f, o) + '\n\n');
