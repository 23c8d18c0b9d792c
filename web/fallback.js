// The fallback page (no d3 built in): the server's SVG flame graph and a
// top table, refreshed from the same event stream as the full page.
'use strict';
const $ = (id) => document.getElementById(id);
const pct = (a, b) => b > 0 ? (100 * a / b).toFixed(1) + '%' : '-';
let paused = false;

function cell(row, text) { const td = row.insertCell(); td.textContent = text; }

async function post(path, params) {
	const res = await fetch(path, { method: 'POST', body: new URLSearchParams(params || {}) });
	const text = await res.text();
	$('error').textContent = res.ok ? '' : text.trim();
	if (res.ok) paused = JSON.parse(text).controls.paused;
	$('pause').textContent = paused ? 'Resume' : 'Pause';
}

function onWindow(ev) {
	paused = ev.controls.paused;
	$('pause').textContent = paused ? 'Resume' : 'Pause';
	$('svg').src = `/api/profile?format=svg&view=${ev.controls.view}&w=${ev.window}`;
	const body = $('top').tBodies[0];
	body.innerHTML = '';
	for (const r of ev.top) {
		const row = body.insertRow();
		cell(row, pct(r.self, ev.shown.total)); cell(row, pct(r.total, ev.shown.total)); cell(row, r.name);
	}
	const s = ev.split;
	$('split-legend').textContent =
		`CPU ${pct(s.oncpu, s.total)}, off-CPU ${pct(s.offcpu, s.total)}, GPU ${pct(s.gpu, s.total)}; ` +
		`${ev.freq} Hz, ${ev.lost} lost`;
	document.body.dataset.window = ev.window;
	$('status').textContent = `live: window ${ev.window}`;
}

fetch('/api/state').then((r) => r.json()).then((st) => { $('why').textContent = st.page.note; });
$('pause').addEventListener('click', () => post(paused ? '/api/resume' : '/api/pause'));
$('controls').addEventListener('submit', (e) => {
	e.preventDefault();
	post('/api/control', { view: $('view').value, regex: $('regex').value });
});
const es = new EventSource('/api/events');
es.addEventListener('window', (m) => onWindow(JSON.parse(m.data)));
es.addEventListener('end', (m) => {
	$('status').textContent = `session ended (${JSON.parse(m.data).reason})`;
	es.close();
});
