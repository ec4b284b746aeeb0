/**
 * The script of data/index.html, inline (the page must work from file://, with no network). It
 * reads two `<script type="application/json">` blocks: `sr-rows`, one array per record
 * ([type, id, business date, client, account, instrument, size, sha256, file, proof file, has
 * fields]), and `sr-fields`, the records' own fields aligned with the rows (null when not
 * embedded), parsed the first time a record is opened.
 *
 * Everything from the data reaches the page through textContent and attribute setters, never as
 * markup. The table shows one page of rows at a time (50 to 1000), so filtering or sorting 100,000
 * records re-renders at most a page; filtering waits for a pause in typing (150 ms) and scans a
 * precomputed lower-case haystack per row.
 *
 * Plain ES2019 in a string: no modules, no template literals (this file is one), no `${`.
 */
export const INDEX_PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var COLUMNS = [
    { key: 'type', label: 'Type' },
    { key: 'id', label: 'Record ID' },
    { key: 'date', label: 'Business date' },
    { key: 'client', label: 'Client' },
    { key: 'account', label: 'Account' },
    { key: 'instrument', label: 'Instrument' },
    { key: 'size', label: 'Size (bytes)', numeric: true },
    { key: 'sha256', label: 'SHA-256' }
  ];
  var FILE = 8, PROOF = 9, HAS_FIELDS = 10;
  var SEP = '\u0001';

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent || 'null') : null;
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function $(id) { return document.getElementById(id); }
  function fmt(n) { return Number(n).toLocaleString('en'); }

  var rows = readJson('sr-rows') || [];
  var fieldsData = null;
  var total = rows.length;
  var hay = new Array(total);
  var byId = Object.create(null);
  for (var i = 0; i < total; i++) {
    var r = rows[i];
    hay[i] = [r[0], r[1], r[2], r[3] || '', r[4] || '', r[5] || '', r[7]].join(SEP).toLowerCase();
    byId[r[1]] = i;
  }

  var state = { sortCol: -1, sortDir: 1, query: '', page: 0, pageSize: 100 };
  var sortedCache = Object.create(null);
  var view = null;

  function sortedOrder() {
    var base = [];
    for (var i = 0; i < total; i++) base.push(i);
    if (state.sortCol < 0) return base;
    var cacheKey = state.sortCol + ':' + state.sortDir;
    if (sortedCache[cacheKey]) return sortedCache[cacheKey];
    var c = state.sortCol, numeric = COLUMNS[c].numeric, dir = state.sortDir;
    base.sort(function (a, b) {
      var x = rows[a][c], y = rows[b][c];
      if (numeric) { x = Number(x); y = Number(y); } else { x = x === null ? '' : x; y = y === null ? '' : y; }
      if (x < y) return -dir;
      if (x > y) return dir;
      return a - b;
    });
    sortedCache[cacheKey] = base;
    return base;
  }

  // "C-1001 2026-11" matches rows holding both; "client:C-1001" looks in one column only.
  function matcher(query) {
    var tokens = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) return null;
    var tests = tokens.map(function (t) {
      var m = /^([a-z0-9]+):(.+)$/.exec(t);
      if (m) {
        for (var c = 0; c < COLUMNS.length; c++) {
          if (COLUMNS[c].key === m[1]) {
            var col = c, value = m[2];
            return function (i) { var v = rows[i][col]; return v !== null && String(v).toLowerCase().indexOf(value) !== -1; };
          }
        }
      }
      return function (i) { return hay[i].indexOf(t) !== -1; };
    });
    return function (i) {
      for (var k = 0; k < tests.length; k++) if (!tests[k](i)) return false;
      return true;
    };
  }

  function recompute() {
    var order = sortedOrder();
    var match = matcher(state.query);
    view = match ? order.filter(match) : order;
    var pages = Math.max(1, Math.ceil(view.length / state.pageSize));
    if (state.page >= pages) state.page = pages - 1;
  }

  function renderHeaders() {
    var ths = document.querySelectorAll('#records thead th');
    for (var c = 0; c < ths.length; c++) {
      var th = ths[c];
      var sorted = c === state.sortCol;
      th.setAttribute('aria-sort', sorted ? (state.sortDir > 0 ? 'ascending' : 'descending') : 'none');
      var mark = th.querySelector('.mark');
      if (mark) mark.textContent = sorted ? (state.sortDir > 0 ? ' \u25B2' : ' \u25BC') : '';
    }
  }

  function renderRows() {
    var tbody = $('rows');
    var start = state.page * state.pageSize;
    var end = Math.min(view.length, start + state.pageSize);
    var frag = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      var r = rows[view[k]];
      var tr = el('tr');
      for (var c = 0; c < COLUMNS.length; c++) {
        var cell;
        if (c === 1) {
          cell = el('th', { scope: 'row' });
          cell.appendChild(el('a', { href: '#record=' + encodeURIComponent(r[1]) }, r[1]));
        } else {
          cell = el('td', COLUMNS[c].numeric ? { 'class': 'num' } : (c === 7 ? { 'class': 'hash' } : null),
            c === 6 ? fmt(r[6]) : r[c]);
        }
        tr.appendChild(cell);
      }
      frag.appendChild(tr);
    }
    tbody.replaceChildren(frag);
    var pages = Math.max(1, Math.ceil(view.length / state.pageSize));
    var shown = view.length === 0 ? 'No record matches' :
      'Showing ' + fmt(start + 1) + '\u2013' + fmt(end) + ' of ' + fmt(view.length) + ' matching record' + (view.length === 1 ? '' : 's');
    $('status').textContent = shown + (state.query ? ' (filter: ' + state.query + ')' : '') + '; ' + fmt(total) + ' in the export.';
    $('page-info').textContent = 'Page ' + fmt(state.page + 1) + ' of ' + fmt(pages);
    $('prev').disabled = state.page === 0;
    $('next').disabled = state.page >= pages - 1;
  }

  function refresh() { recompute(); renderHeaders(); renderRows(); }

  // ---- one record --------------------------------------------------------------------------
  function flatten(value, prefix, out) {
    if (Array.isArray(value)) {
      if (value.length === 0) out.push([prefix, '[]']);
      for (var i = 0; i < value.length; i++) flatten(value[i], prefix + '[' + i + ']', out);
    } else if (value !== null && typeof value === 'object') {
      var keys = Object.keys(value);
      if (keys.length === 0) out.push([prefix, '{}']);
      for (var k = 0; k < keys.length; k++) flatten(value[keys[k]], prefix ? prefix + '.' + keys[k] : keys[k], out);
    } else {
      out.push([prefix, value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value)]);
    }
    return out;
  }

  function fillTable(tbodyId, pairs) {
    var frag = document.createDocumentFragment();
    for (var i = 0; i < pairs.length; i++) {
      var tr = el('tr');
      tr.appendChild(el('th', { scope: 'row' }, pairs[i][0]));
      var td = el('td');
      if (pairs[i][2]) td.appendChild(el('a', { href: pairs[i][2] }, pairs[i][1]));
      else td.textContent = pairs[i][1];
      tr.appendChild(td);
      frag.appendChild(tr);
    }
    $(tbodyId).replaceChildren(frag);
  }

  var lastOpened = null;
  function showRecord(id) {
    var index = byId[id];
    if (index === undefined) { showList(); $('status').textContent = 'There is no record ' + id + ' in this export.'; return; }
    var r = rows[index];
    lastOpened = id;
    $('list').hidden = true;
    $('record').hidden = false;
    $('record-title').textContent = 'Record ' + r[1];
    $('raw').setAttribute('href', r[FILE]);
    fillTable('record-facts', [
      ['Type', r[0]], ['Record ID', r[1]], ['Business date', r[2]], ['Client', r[3] || ''],
      ['Account', r[4] || ''], ['Instrument', r[5] || ''], ['Size (bytes)', fmt(r[6])], ['SHA-256', r[7]],
      ['File', r[FILE], r[FILE]], ['Ledger proof', r[PROOF], r[PROOF]]
    ]);
    var note = $('fields-note');
    if (r[HAS_FIELDS]) {
      if (fieldsData === null) fieldsData = readJson('sr-fields') || [];
      fillTable('record-fields', flatten(fieldsData[index], '', []));
      $('fields').hidden = false;
      note.hidden = true;
    } else {
      $('fields').hidden = true;
      note.hidden = false;
    }
    $('record-title').focus();
  }

  function showList() {
    $('record').hidden = true;
    $('list').hidden = false;
    if (lastOpened !== null) {
      var links = document.querySelectorAll('#rows a');
      for (var i = 0; i < links.length; i++) if (links[i].textContent === lastOpened) { links[i].focus(); break; }
    }
  }

  function route() {
    var h = location.hash;
    if (h.indexOf('#record=') === 0) showRecord(decodeURIComponent(h.slice(8)));
    else showList();
  }

  // ---- wiring ------------------------------------------------------------------------------
  var timer = null;
  var filter = $('filter');
  function applyFilter() {
    if (timer !== null) { clearTimeout(timer); timer = null; }
    if (filter.value === state.query) return;
    state.query = filter.value;
    state.page = 0;
    refresh();
  }
  filter.addEventListener('input', function () {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(applyFilter, 150);
  });
  filter.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); applyFilter(); } });
  $('page-size').addEventListener('change', function () {
    state.pageSize = Number(this.value) || 100;
    state.page = 0;
    refresh();
  });
  $('prev').addEventListener('click', function () { if (state.page > 0) { state.page--; renderRows(); } });
  $('next').addEventListener('click', function () { state.page++; recompute(); renderRows(); });
  var buttons = document.querySelectorAll('#records thead button');
  for (var b = 0; b < buttons.length; b++) {
    buttons[b].addEventListener('click', function () {
      var c = Number(this.getAttribute('data-col'));
      if (state.sortCol === c) state.sortDir = -state.sortDir; else { state.sortCol = c; state.sortDir = 1; }
      state.page = 0;
      refresh();
    });
  }
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && !$('record').hidden) { location.hash = ''; }
    else if (e.key === '/' && document.activeElement !== filter && !$('list').hidden) { e.preventDefault(); filter.focus(); }
  });
  window.addEventListener('hashchange', route);
  $('controls').hidden = false;
  $('pager').hidden = false;
  refresh();
  route();
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;
