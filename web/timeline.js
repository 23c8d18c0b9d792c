// The live page's GPU timeline (live --http with GPU work): the last
// windows' GPU work, one lane per device and stream, above one lane per CPU
// thread with the calls that launched it and the synchronizing calls that
// waited for it, all on one time axis (CUPTI's clock; lib/live/
// timeline_json.hpp has the data). A launch and its work share a
// correlation id: hovering either marks both and says what they are.
'use strict';

class GpuTimelineView {
	constructor(svg, info) {
		this.svg = svg;
		this.info = info;
		this.windows = [];
	}

	// `windows`: the event's "timeline" array, oldest first.
	show(windows) {
		this.windows = windows || [];
		const gpu = [], calls = [], waits = [], names = new Map();
		for (const w of this.windows) {
			gpu.push(...w.gpu);
			calls.push(...w.calls);
			waits.push(...w.waits);
			for (const t of w.threads) names.set(`${t.pid}:${t.tid}`, t.name);
		}
		const lanes = [];
		const laneOf = new Map();
		const lane = (key, label, kind) => {
			if (!laneOf.has(key)) {
				laneOf.set(key, lanes.length);
				lanes.push({ key, label, kind });
			}
			return laneOf.get(key);
		};
		const byStream = [...gpu].sort((a, b) => a.dev - b.dev || a.stream - b.stream);
		for (const g of byStream) lane(`gpu ${g.dev}:${g.stream}`, `GPU ${g.dev} stream ${g.stream}`, 'gpu');
		for (const c of [...calls, ...waits].sort((a, b) => a.pid - b.pid || a.tid - b.tid)) {
			const name = names.get(`${c.pid}:${c.tid}`) || '';
			lane(`thread ${c.pid}:${c.tid}`, `${name} ${c.pid}/${c.tid}`, 'thread');
		}
		const all = [...gpu, ...calls, ...waits];
		const t0 = Math.min(...all.map((e) => e.s));
		const t1 = Math.max(...all.map((e) => e.s + e.d));
		const laneH = 22, labelW = 170, top = 18;
		const width = Math.max(400, this.svg.parentNode.clientWidth || 900);
		const x = d3.scaleLinear().domain([t0, t1 > t0 ? t1 : t0 + 1]).range([labelW, width - 10]);
		const svg = d3.select(this.svg).attr('width', width).attr('height', top + lanes.length * laneH + 4);
		svg.selectAll('*').remove();
		svg.append('g').attr('class', 'tl-axis').attr('transform', `translate(0,${top - 2})`)
			.call(d3.axisTop(x).ticks(6).tickFormat((v) => `${((v - t0) / 1000).toFixed(1)} ms`));
		const rows = svg.append('g').attr('class', 'tl-lanes');
		lanes.forEach((l, i) => {
			rows.append('text').attr('class', `tl-label tl-${l.kind}`).attr('x', 4)
				.attr('y', top + i * laneH + 15).text(l.label);
			rows.append('line').attr('x1', 0).attr('x2', width).attr('y1', top + (i + 1) * laneH)
				.attr('y2', top + (i + 1) * laneH).attr('class', 'tl-rule');
		});
		const put = (cls, list, keyOf, name, detail) => {
			svg.append('g').selectAll('rect').data(list).enter().append('rect')
				.attr('class', (e) => `${cls} tl-${e.cat || cls.slice(3)}`)
				.attr('x', (e) => x(e.s))
				.attr('width', (e) => Math.max(1, x(e.s + e.d) - x(e.s)))
				.attr('y', (e) => top + laneOf.get(keyOf(e)) * laneH + 3)
				.attr('height', laneH - 6)
				.attr('data-corr', (e) => (e.corr === undefined ? '' : `${e.pid}:${e.corr}`))
				.attr('data-name', name)
				.attr('data-dur', (e) => e.d)
				.on('mouseover', (ev, e) => this.hover(e, name(e), detail(e)))
				.on('mouseout', () => this.hover(null))
				.append('title').text((e) => `${name(e)} ${(e.d / 1000).toFixed(3)} ms\n${detail(e)}`);
		};
		put('tl-gpu', gpu, (g) => `gpu ${g.dev}:${g.stream}`, (g) => g.name,
			(g) => `GPU ${g.dev} stream ${g.stream}, correlation ${g.corr}`);
		put('tl-call', calls, (c) => `thread ${c.pid}:${c.tid}`, (c) => c.api, (c) => `from ${c.at}`);
		put('tl-wait', waits, (w) => `thread ${w.pid}:${w.tid}`, (w) => w.api,
			(w) => `waiting for the GPU, from ${w.at}`);
		this.lanes = lanes;
		this.counts = { gpu: gpu.length, calls: calls.length, waits: waits.length };
	}

	// Marks `e` and the other end of its launch (same process and
	// correlation id), and says both in the info line; null clears.
	hover(e, name, detail) {
		const marked = this.svg.querySelectorAll('.tl-linked');
		for (const m of marked) m.classList.remove('tl-linked');
		if (!e) {
			this.info.textContent = '';
			return;
		}
		let text = `${name} ${(e.d / 1000).toFixed(3)} ms, ${detail}`;
		if (e.corr !== undefined) {
			const same = this.svg.querySelectorAll(`rect[data-corr="${e.pid}:${e.corr}"]`);
			for (const m of same) m.classList.add('tl-linked');
			const others = [...same].filter((m) => m.__data__ !== e).map((m) => m.getAttribute('data-name'));
			if (others.length) text += ` \u2194 ${others.join(', ')}`;
		}
		this.info.textContent = text;
	}
}
