#include "output/writer_svg_script.hpp"

namespace xpu {

const char svg_style[] = R"css(text { font-family: Verdana, sans-serif; font-size: 12px; }
text { fill: rgb(0,0,0); }
#title { text-anchor: middle; font-size: 17px; }
#subtitle { text-anchor: middle; fill: rgb(90,90,90); }
#search, #matched { text-anchor: end; }
.ctl { cursor: pointer; fill: rgb(30,60,160); }
.ctl:hover { text-decoration: underline; }
.hide { display: none; }
.f { cursor: pointer; }
.f text { pointer-events: none; }
.f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }
.parent { opacity: 0.5; }
)css";

// Plain ES5 so that any browser (and a viewer embedding the SVG inline in
// HTML) runs it; everything it needs is in attributes the writer emits.
const char svg_script[] = R"js("use strict";
(function () {
	var framesGroup = document.getElementById("frames");
	var svg = framesGroup.ownerSVGElement;
	var total = +svg.getAttribute("data-total");
	var xpad = +svg.getAttribute("data-xpad");
	var plotw = +svg.getAttribute("data-plotw");
	var fontw = +svg.getAttribute("data-fontw");
	var eps = total * 1e-9; // weights are sums of decimals: compare with slack
	var details = document.getElementById("details");
	var matched = document.getElementById("matched");
	var unzoomButton = document.getElementById("unzoom");
	var searchButton = document.getElementById("search");
	var highlight = "rgb(230,0,230)";
	var frames = [];
	var zoomed = null;
	var lastTerm = "";

	function load() {
		var gs = framesGroup.getElementsByTagName("g");
		for (var i = 0; i < gs.length; i++) {
			var g = gs[i];
			var title = g.getElementsByTagName("title")[0].textContent;
			var f = {
				g: g,
				s: +g.getAttribute("data-s"),
				w: +g.getAttribute("data-w"),
				d: +g.getAttribute("data-d"),
				rect: g.getElementsByTagName("rect")[0],
				text: g.getElementsByTagName("text")[0],
				title: title,
				// the tooltip is "name (N samples, P%)"
				name: title.replace(/ \([^()]*\)$/, "")
			};
			f.fill = f.rect.getAttribute("fill");
			g.xpuFrame = f;
			frames.push(f);
		}
	}

	function frameOf(event) {
		for (var n = event.target; n && n !== svg; n = n.parentNode) {
			if (n.xpuFrame)
				return n.xpuFrame;
		}
		return null;
	}

	// The same rule as the writer: as many characters as fit, else "..".
	function fit(name, w) {
		var room = Math.floor((w - 6) / fontw);
		if (room < 3)
			return "";
		if (name.length <= room)
			return name;
		return name.substring(0, room - 2) + "..";
	}

	function place(f, x, w) {
		f.rect.setAttribute("x", x.toFixed(2));
		f.rect.setAttribute("width", w.toFixed(2));
		f.text.setAttribute("x", (x + 3).toFixed(2));
		f.text.textContent = fit(f.name, w);
	}

	function setClass(f, name, on) {
		if (on)
			f.g.classList.add(name);
		else
			f.g.classList.remove(name);
	}

	// The clicked frame fills the width; its callees scale with it, its
	// callers stay full width (dimmed) and everything else is hidden.
	function zoom(z) {
		zoomed = z;
		for (var i = 0; i < frames.length; i++) {
			var f = frames[i];
			var inside = f.s >= z.s - eps && f.s + f.w <= z.s + z.w + eps;
			var covers = f.s <= z.s + eps && f.s + f.w >= z.s + z.w - eps;
			var under = f.d >= z.d && inside;
			var above = f.d < z.d && covers;
			setClass(f, "hide", !under && !above);
			setClass(f, "parent", above);
			if (above)
				place(f, xpad, plotw);
			else if (under)
				place(f, xpad + (f.s - z.s) / z.w * plotw, f.w / z.w * plotw);
		}
		unzoomButton.classList.remove("hide");
	}

	function unzoom() {
		zoomed = null;
		for (var i = 0; i < frames.length; i++) {
			var f = frames[i];
			setClass(f, "hide", false);
			setClass(f, "parent", false);
			place(f, xpad + f.s / total * plotw, f.w / total * plotw);
		}
		unzoomButton.classList.add("hide");
	}

	// Share of the total under matching frames; a match inside another
	// match (recursion, or caller and callee both matching) counts once.
	function matchedShare(hits) {
		hits.sort(function (a, b) { return a.s - b.s || b.w - a.w; });
		var sum = 0;
		var end = -Infinity;
		for (var i = 0; i < hits.length; i++) {
			if (hits[i].s >= end - eps) {
				sum += hits[i].w;
				end = hits[i].s + hits[i].w;
			}
		}
		return total > 0 ? 100 * sum / total : 0;
	}

	function search(term) {
		var re = null;
		if (term) {
			try {
				re = new RegExp(term);
			} catch (err) {
				alert("Not a regular expression: " + err.message);
				return;
			}
		}
		lastTerm = term || "";
		var hits = [];
		for (var i = 0; i < frames.length; i++) {
			var f = frames[i];
			var hit = re !== null && re.test(f.name);
			f.rect.setAttribute("fill", hit ? highlight : f.fill);
			if (hit)
				hits.push(f);
		}
		matched.textContent = re ? "Matched: " + matchedShare(hits).toFixed(2) + "%" : " ";
		searchButton.textContent = re ? "Search: /" + term + "/" : "Search";
	}

	function askSearch() {
		var term = prompt("Search frames (regular expression; empty to clear)", lastTerm);
		if (term !== null)
			search(term);
	}

	load();
	framesGroup.addEventListener("click", function (e) {
		var f = frameOf(e);
		if (!f)
			return;
		if (f.d === 0 || f === zoomed)
			unzoom();
		else
			zoom(f);
	});
	framesGroup.addEventListener("mouseover", function (e) {
		var f = frameOf(e);
		details.textContent = f ? f.title : " ";
	});
	framesGroup.addEventListener("mouseout", function () {
		details.textContent = " ";
	});
	unzoomButton.addEventListener("click", unzoom);
	searchButton.addEventListener("click", askSearch);
	document.addEventListener("keydown", function (e) {
		if (((e.ctrlKey || e.metaKey) && e.key === "f") || (e.key === "/" && !e.ctrlKey)) {
			e.preventDefault();
			askSearch();
		} else if (e.key === "Escape") {
			if (zoomed)
				unzoom();
			else
				search("");
		}
	});
	// For scripted checks and for viewers embedding the graph.
	svg.xpuFlameGraph = { zoom: zoom, unzoom: unzoom, search: search, frames: frames };

	// A link can open the graph zoomed and searched, as flamegraph.pl's ?s=
	// does: graph.svg#z=FRAME&s=REGEX (URL-encoded; z zooms into the
	// outermost frame of that name).
	var params = {};
	var hash = (window.location && window.location.hash) || "";
	hash.replace(/^#/, "").split("&").forEach(function (kv) {
		var eq = kv.indexOf("=");
		if (eq > 0)
			params[kv.substring(0, eq)] = decodeURIComponent(kv.substring(eq + 1));
	});
	if (params.z) {
		var best = null;
		for (var i = 0; i < frames.length; i++) {
			if (frames[i].name === params.z && (!best || frames[i].d < best.d))
				best = frames[i];
		}
		if (best)
			zoom(best);
	}
	if (params.s)
		search(params.s);
	// The script ran: headless checks look for this.
	svg.setAttribute("data-ready", frames.length);
})();
)js";

}  // namespace xpu
