// The live page: one event stream (/api/events), one flame graph
// (d3-flame-graph) or, on request, the last windows' flame graphs stacked
// in 3D (flame3d.js, three.js) or, with GPU work, the last windows' GPU
// timeline (timeline.js), a top table, the layer split over time (d3) and the
// session's health. Every control is a POST to the same endpoints a script
// uses (xpu-perf-live(1)); the page only shows what the stream sends.
'use strict';

const query = new URLSearchParams(location.search);
const token = query.get('token') || '';
const withToken = (url) => token ? url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token) : url;
const $ = (id) => document.getElementById(id);
const pct = (part, whole) => whole > 0 ? (100 * part / whole).toFixed(1) + '%' : '-';

// --- flame graph --------------------------------------------------------
const LAYER_COLORS = { oncpu: '#e8743b', offcpu: '#4a90d9', gpu: '#3cb371' };
// The layers' own colours, or null for an ordinary frame.
function layerColor(name) {
	if (name.startsWith('[off-cpu:')) return '#4a90d9';
	if (name.startsWith('[GPU_')) return '#3cb371';
	if (name.startsWith('[net:')) return '#8e6bbf';
	if (name.endsWith('_[k]')) return '#d9a83b';
	return null;
}
function frameColor(d, original) {
	if (d.highlight) return '#e600e6';
	return layerColor(d.data.n || '') || original;
}
// The 3D view's colour: the layer's, else a warm shade from the name, so
// that a function keeps its colour from one window to the next.
function blockColor(name) {
	const layer = layerColor(name);
	if (layer) return layer;
	let h = 0;
	for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
	const t = (h % 1000) / 1000;
	return `rgb(${215 + Math.round(40 * t)},${70 + Math.round(130 * (1 - t))},${30 + Math.round(40 * t)})`;
}
let chart = null;
let zoomPath = null;  // names from the root to the frame zoomed into, kept across windows

function pathOf(node) {
	return node.ancestors().map((n) => n.data.n).reverse();
}

function findPath(root, path) {
	let node = root;
	for (const name of path.slice(1)) {
		node = (node.children || []).find((c) => c.data.n === name);
		if (!node) return null;
	}
	return node;
}

function drawFlame(tree) {
	const el = $('flame');
	if (!chart) {
		chart = flamegraph()
			.width(Math.max(400, el.clientWidth))
			.cellHeight(18)
			.transitionDuration(150)
			.minFrameSize(2)
			.sort(true)
			.title('')
			.setColorMapper(frameColor)
			.onClick((d) => { zoomPath = d.parent ? pathOf(d) : null; });
		d3.select(el).datum(tree).call(chart);
	} else {
		chart.update(tree);
	}
	if (zoomPath) {
		const node = findPath(d3.select(el).datum(), zoomPath);
		if (node) chart.zoomTo(node); else zoomPath = null;
	}
}

// --- the 3D view: the last windows' trees ----------------------------------
const TREES_MAX = 30;
const trees = [];     // {window, flame}, oldest first
let view3d = null;    // a Flame3d once three.js loaded and WebGL works
let showing3d = false;

let treesUnder = '';  // the view and filters the kept trees were made under
function keepTree(ev) {
	// Other filters or view: the older trees are other profiles, not history.
	const under = JSON.stringify([ev.controls.view, ev.controls.filter]);
	if (under !== treesUnder) { trees.length = 0; treesUnder = under; }
	if (trees.length && trees[trees.length - 1].window >= ev.window) return;
	trees.push({ window: ev.window, flame: ev.flame });
	if (trees.length > TREES_MAX) trees.shift();
}

function draw3d() {
	if (!view3d || !showing3d) return;
	view3d.show(trees);
	const b = document.body.dataset;
	b.windows3d = view3d.windows;
	b.blocks3d = view3d.blocks.length;
	// the frame with the most self time, as its folded stack (root left out)
	b.heaviest3d = view3d.heaviest ? view3d.heaviest.path : '';
	$('note3d').textContent = `last ${view3d.windows} windows, newest in front: ` +
		'x = share of the window, y = stack depth; drag to turn, wheel to zoom';
}

// Without three.js or WebGL the view says why in one line; 2D goes on.
function no3d(why) {
	document.body.dataset.view3d = 'off';
	$('note3d').textContent = `3D view unavailable: ${why}. The 2D flame graph works.`;
}

function hasWebGL() {
	const c = document.createElement('canvas');
	return !!(c.getContext('webgl2') || c.getContext('webgl'));
}

async function start3d() {
	if (typeof Flame3d === 'undefined') return no3d('flame3d.js did not load');
	if (!hasWebGL()) return no3d('this browser has no WebGL');
	let THREE;
	try {
		THREE = await import('/three.module.js');
	} catch (e) {
		return no3d(`three.js did not load (${e.message || e})`);
	}
	try {
		view3d = new Flame3d(THREE, $('flame3d'), blockColor);
	} catch (e) {
		return no3d(`WebGL failed (${e.message || e})`);
	}
	document.body.dataset.view3d = 'webgl';
	window.addEventListener('resize', () => { view3d.resize(); view3d.draw(); });
	draw3d();
}

let starting3d = null;
function show3d(on) {
	showTimeline(false);
	showing3d = on;
	$('flame').hidden = on;
	$('flame3d').hidden = !on;
	$('show-2d').classList.toggle('on', !on);
	$('show-3d').classList.toggle('on', on);
	if (on && !starting3d) starting3d = start3d();
	if (on) draw3d();
}

// --- the GPU timeline: the last windows' GPU work (timeline.js) ------------
let timeline = null;  // the newest event's "timeline" (the last windows)
let timelineView = null;
let showingTimeline = false;
function drawTimeline() {
	if (!showingTimeline || !timeline) return;
	if (!timelineView) timelineView = new GpuTimelineView($('tl-svg'), $('tl-info'));
	timelineView.show(timeline);
	const b = document.body.dataset;
	b.timelineWindows = timeline.length;
	b.timelineGpu = timelineView.counts.gpu;
	b.timelineCalls = timelineView.counts.calls;
	b.timelineWaits = timelineView.counts.waits;
}
function showTimeline(on) {
	showingTimeline = on;
	$('timeline').hidden = !on;
	$('show-tl').classList.toggle('on', on);
	if (!on) return;
	showing3d = false;
	$('flame').hidden = true;
	$('flame3d').hidden = true;
	$('show-2d').classList.remove('on');
	$('show-3d').classList.remove('on');
	drawTimeline();
}

// --- top table, split chart, health --------------------------------------
function drawTop(ev) {
	const total = ev.shown.total;
	const rows = d3.select('#top tbody').selectAll('tr').data(ev.top, (r) => r.name);
	rows.exit().remove();
	const all = rows.enter().append('tr').merge(rows).order();
	all.html('');
	all.append('td').text((r) => pct(r.self, total));
	all.append('td').text((r) => pct(r.total, total));
	all.append('td').text((r) => r.name).attr('title', (r) => r.name);
	$('top-note').textContent = ev.top.length ? '' : '(nothing in this view)';
}

const history = [];
const HISTORY_MAX = 120;
function addSplit(p) {
	if (history.length && history[history.length - 1].window >= p.window) return;
	history.push({ window: p.window, oncpu: p.oncpu, offcpu: p.offcpu, gpu: p.gpu });
	if (history.length > HISTORY_MAX) history.shift();
}

function drawSplit() {
	const svg = d3.select('#split');
	const w = +svg.attr('width'), h = +svg.attr('height'), m = 18;
	svg.selectAll('*').remove();
	if (!history.length) return;
	const keys = ['oncpu', 'offcpu', 'gpu'];
	const series = d3.stack().keys(keys)(history);
	const x = d3.scaleLinear().domain(d3.extent(history, (d) => d.window)).range([m, w - 12]);
	if (history.length === 1) x.domain([history[0].window - 1, history[0].window]);
	const ymax = d3.max(history, (d) => d.oncpu + d.offcpu + d.gpu) || 1;
	const y = d3.scaleLinear().domain([0, ymax]).range([h - m, 4]);
	const area = d3.area().x((d) => x(d.data.window)).y0((d) => y(d[0])).y1((d) => y(d[1]));
	svg.selectAll('path').data(series).join('path')
		.attr('class', (s) => 'layer-' + s.key)
		.attr('fill', (s) => LAYER_COLORS[s.key]).attr('d', area);
	svg.append('g').attr('transform', `translate(0,${h - m})`)
		.call(d3.axisBottom(x).ticks(5).tickFormat(d3.format('d')));
	const last = history[history.length - 1];
	const sum = last.oncpu + last.offcpu + last.gpu;
	const names = { oncpu: 'CPU', offcpu: 'off-CPU', gpu: 'GPU' };
	d3.select('#split-legend').selectAll('span').data(keys).join('span')
		.attr('id', (k) => 'split-' + k)
		.html((k) => `<i class="sw" style="background:${LAYER_COLORS[k]}"></i>${names[k]} ${pct(last[k], sum)}`);
}

function drawHealth(ev) {
	const q = ev.quality;
	const items = [
		['window', `${ev.window} (${(ev.end - ev.start).toFixed(2)} s)`],
		['sampling', `${ev.freq} Hz`],
		['lost events', `${ev.lost} this window, ${ev.lost_total} in all`],
		['stacks rooted', q.with_user > 0 ? pct(q.rooted, q.with_user) : '-'],
		['stacks truncated', q.with_user > 0 ? pct(q.truncated, q.with_user) : '-'],
		['shown', `${ev.shown.total} samples, ${ev.shown.stacks} stacks` +
			(ev.shown.elided ? `, ${ev.shown.elided} small frames left out` : '')],
	];
	const dl = d3.select('#health');
	dl.html('');
	for (const [k, v] of items) { dl.append('dt').text(k); dl.append('dd').text(v); }
}

// --- controls -------------------------------------------------------------
let controls = null;
let editing = false;  // the user is typing: don't overwrite the inputs

function showControls(c) {
	controls = c;
	$('pause').textContent = c.paused ? 'Resume' : 'Pause';
	$('mode').textContent = c.paused ? 'paused' : '';
	if (editing) return;
	$('view').value = c.view;
	$('interval').value = c.interval;
	$('comm').value = c.filter.comm.join(',');
	$('pid').value = c.filter.pid.join(',');
	$('regex').value = c.filter.regex;
	const layers = c.filter.layers;
	for (const box of document.querySelectorAll('input[name=layer]'))
		box.checked = !layers.length || layers.includes(box.value);
}

function formParams() {
	const boxes = [...document.querySelectorAll('input[name=layer]')];
	const on = boxes.filter((b) => b.checked).map((b) => b.value);
	return {
		view: $('view').value, interval: $('interval').value, comm: $('comm').value,
		pid: $('pid').value, regex: $('regex').value,
		layers: on.length === boxes.length ? '' : on.join(',') || 'none',
	};
}

async function post(path, params) {
	const body = new URLSearchParams(params || {});
	const res = await fetch(withToken(path), { method: 'POST', body });
	const text = await res.text();
	if (!res.ok) { $('error').textContent = text.trim(); return null; }
	$('error').textContent = '';
	const state = JSON.parse(text);
	showControls(state.controls);
	return state;
}

function applyControls() {
	editing = false;
	return post('/api/control', formParams());
}

// --- the stream -------------------------------------------------------------
function onWindow(ev) {
	// The network layer's toggle, once a window has network bytes (--net);
	// its weight is bytes, so it stays out of the time split.
	if (ev.split.net > 0) $('layer-net').hidden = false;
	// The GPU timeline's button, once the session has GPU work.
	if (ev.timeline) {
		timeline = ev.timeline;
		$('show-tl').hidden = false;
	}
	showControls(ev.controls);
	addSplit({ window: ev.window, ...ev.split });
	const view = ev.controls.view === 'session' ? 'session up to window ' : 'window ';
	$('flame-title').textContent = `${view}${ev.window}: ${ev.shown.total} samples`;
	drawFlame(ev.flame);
	keepTree(ev);
	draw3d();
	drawTimeline();
	drawTop(ev);
	drawSplit();
	drawHealth(ev);
	for (const f of ['folded', 'svg', 'pprof'])
		$('dl-' + f).href = withToken(`/api/profile?format=${f}&view=${ev.controls.view}`);
	document.body.dataset.window = ev.window;
	document.body.dataset.shown = ev.shown.total;
	$('status').textContent = `live: window ${ev.window}`;
}

function connect() {
	const es = new EventSource(withToken('/api/events'));
	es.addEventListener('window', (m) => onWindow(JSON.parse(m.data)));
	es.addEventListener('end', (m) => {
		const reason = JSON.parse(m.data).reason;
		$('status').textContent = `session ended (${reason})`;
		$('status').className = 'ended';
		document.body.dataset.ended = reason;
		es.close();
	});
	es.onerror = () => {
		if (!document.body.dataset.ended) $('status').textContent = 'reconnecting…';
	};
}

async function start() {
	const state = await (await fetch(withToken('/api/state'))).json();
	for (const p of state.history) addSplit(p);
	showControls(state.controls);
	if (!state.loopback && !token) {
		$('controls').classList.add('readonly');
		$('mode').textContent = 'read-only (no token)';
	}
	$('controls').addEventListener('submit', (e) => { e.preventDefault(); applyControls(); });
	for (const id of ['comm', 'pid', 'regex', 'interval'])
		$(id).addEventListener('input', () => { editing = true; });
	for (const el of document.querySelectorAll('#view, input[name=layer]'))
		el.addEventListener('change', applyControls);
	$('show-2d').addEventListener('click', () => show3d(false));
	$('show-3d').addEventListener('click', () => show3d(true));
	$('show-tl').addEventListener('click', () => showTimeline(true));
	$('pause').addEventListener('click', () => post(controls && controls.paused ? '/api/resume' : '/api/pause'));
	// A link can carry controls (?regex=burn&view=session): they are typed
	// into the form and applied as if by hand.
	const preset = ['view', 'interval', 'comm', 'pid', 'regex'].filter((k) => query.has(k));
	if (preset.length) {
		for (const k of preset) $(k).value = query.get(k);
		await applyControls();
	}
	connect();
}

start().catch((e) => { $('error').textContent = String(e); });
