// The live page's time-stacked 3D flame graph: the last windows' flame
// trees side by side in depth, one block per frame (x = share of its
// window, y = stack depth, z = window, newest in front), drawn with
// three.js. All blocks are one InstancedMesh, so thirty windows of a few
// hundred frames each stay one draw call. The camera orbits on drag and
// zooms on the wheel; the scene is drawn only when something changed.
// app.js loads three.js (an ES module) on first use and hands it in.
'use strict';

// Scene units: a window is 100 wide, a stack level 3 high, windows 2.2 apart.
const WIDTH3D = 100, LEVEL3D = 3, GAP3D = 2.2;

class Flame3d {
	// THREE: the three.js module; el: the container; color(name): '#rrggbb'.
	constructor(THREE, el, color) {
		this.T = THREE;
		this.el = el;
		this.color = color;
		this.blocks = [];     // per instance: {name, path, share, self, window, depth}
		this.windows = 0;
		this.heaviest = null; // the instance with the largest self share
		this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
		this.renderer.setPixelRatio(window.devicePixelRatio || 1);
		this.renderer.setClearColor(0xffffff);
		el.appendChild(this.renderer.domElement);
		this.scene = new THREE.Scene();
		this.scene.add(new THREE.AmbientLight(0xffffff, 1.6));
		const sun = new THREE.DirectionalLight(0xffffff, 1.4);
		sun.position.set(0.4, 1, 0.8);
		this.scene.add(sun);
		this.camera = new THREE.PerspectiveCamera(45, 1, 0.1, 2000);
		this.orbit = { theta: -0.6, phi: 1.15, radius: 160 };
		this.target = new THREE.Vector3(50, 4, -15);
		this.mesh = null;
		this.tip = document.createElement('div');
		this.tip.className = 'tip3d';
		el.appendChild(this.tip);
		this.listen();
		this.resize();
	}

	// Mouse: drag rotates, the wheel zooms, a still pointer hovers.
	listen() {
		const c = this.renderer.domElement;
		let drag = null;
		c.addEventListener('mousedown', (e) => { drag = { x: e.clientX, y: e.clientY }; });
		window.addEventListener('mouseup', () => { drag = null; });
		c.addEventListener('mousemove', (e) => {
			if (drag) {
				this.orbit.theta -= (e.clientX - drag.x) * 0.008;
				this.orbit.phi = Math.min(1.5, Math.max(0.15, this.orbit.phi - (e.clientY - drag.y) * 0.008));
				drag = { x: e.clientX, y: e.clientY };
				this.tip.style.display = 'none';
				this.draw();
			} else {
				this.hover(e.clientX, e.clientY);
			}
		});
		c.addEventListener('mouseleave', () => { this.tip.style.display = 'none'; });
		c.addEventListener('wheel', (e) => {
			e.preventDefault();
			this.orbit.radius = Math.min(800, Math.max(30, this.orbit.radius * (e.deltaY > 0 ? 1.1 : 0.9)));
			this.draw();
		}, { passive: false });
	}

	resize() {
		const w = Math.max(400, this.el.clientWidth), h = Math.round(w * 0.55);
		this.renderer.setSize(w, h);
		this.camera.aspect = w / h;
		this.camera.updateProjectionMatrix();
	}

	// trees: [{window, flame}] oldest first; flame is {n, v, c: [...]}.
	show(trees) {
		const T = this.T;
		const boxes = [];
		this.blocks = [];
		this.heaviest = null;
		let top = 0;  // the deepest stack's levels
		trees.forEach((t, k) => {
			const z = -(trees.length - 1 - k) * GAP3D;  // the newest window at z = 0
			const total = t.flame.v || 0;
			if (total <= 0) return;
			const walk = (node, x0, depth, callers) => {
				const share = node.v / total;
				const kids = node.c || [];
				const self = node.v - kids.reduce((s, c) => s + c.v, 0);
				const path = depth ? (callers ? callers + ';' : '') + node.n : '';
				const block = { name: node.n, path, share, self: self / total, window: t.window, depth };
				if (depth > 0 && (!this.heaviest || block.self > this.heaviest.self))
					this.heaviest = block;
				block.id = this.blocks.length;
				this.blocks.push(block);
				boxes.push({ x: x0 + share * WIDTH3D / 2, w: share * WIDTH3D, y: (depth + 0.5) * LEVEL3D, z });
				top = Math.max(top, depth + 1);
				let x = x0;
				for (const c of kids) { walk(c, x, depth + 1, path); x += c.v / total * WIDTH3D; }
			};
			walk(t.flame, 0, 0, '');
		});
		this.windows = trees.length;
		if (this.mesh) {
			this.scene.remove(this.mesh);
			this.mesh.geometry.dispose();
			this.mesh.material.dispose();
		}
		this.mesh = new T.InstancedMesh(new T.BoxGeometry(1, 1, 1),
			new T.MeshLambertMaterial(), Math.max(1, boxes.length));
		this.mesh.count = boxes.length;
		const m = new T.Matrix4(), col = new T.Color();
		boxes.forEach((b, i) => {
			// a hair narrower than its share, so neighbours stay apart
			m.makeScale(Math.max(0.05, b.w - 0.4), LEVEL3D * 0.9, GAP3D * 0.75);
			m.setPosition(b.x, b.y, b.z);
			this.mesh.setMatrixAt(i, m);
			this.mesh.setColorAt(i, col.set(this.color(this.blocks[i].name)));
		});
		this.mesh.instanceMatrix.needsUpdate = true;
		if (this.mesh.instanceColor) this.mesh.instanceColor.needsUpdate = true;
		this.mesh.computeBoundingSphere();
		this.scene.add(this.mesh);
		this.boxes = boxes;
		// Look at the middle of what is drawn.
		this.target.set(WIDTH3D / 2, top * LEVEL3D / 2, -(trees.length - 1) * GAP3D / 2);
		this.draw();
	}

	draw() {
		const o = this.orbit;
		this.camera.position.set(
			this.target.x + o.radius * Math.sin(o.phi) * Math.sin(o.theta),
			this.target.y + o.radius * Math.cos(o.phi),
			this.target.z + o.radius * Math.sin(o.phi) * Math.cos(o.theta));
		this.camera.lookAt(this.target);
		this.renderer.render(this.scene, this.camera);
	}

	// The block under a client point, or null.
	pick(cx, cy) {
		if (!this.mesh) return null;
		const r = this.renderer.domElement.getBoundingClientRect();
		const ndc = new this.T.Vector2((cx - r.left) / r.width * 2 - 1, -(cy - r.top) / r.height * 2 + 1);
		const ray = new this.T.Raycaster();
		ray.setFromCamera(ndc, this.camera);
		const hit = ray.intersectObject(this.mesh)[0];
		return hit && hit.instanceId !== undefined ? this.blocks[hit.instanceId] : null;
	}

	hover(cx, cy) {
		const b = this.pick(cx, cy);
		document.body.dataset.hover3d = b ? b.name : '';
		if (!b) { this.tip.style.display = 'none'; return; }
		const r = this.el.getBoundingClientRect();
		this.tip.textContent = `${b.name}: ${(100 * b.share).toFixed(1)}% of window ${b.window}` +
			(b.self > 0 ? ` (self ${(100 * b.self).toFixed(1)}%)` : '');
		this.tip.style.left = (cx - r.left + 12) + 'px';
		this.tip.style.top = (cy - r.top + 12) + 'px';
		this.tip.style.display = 'block';
	}

	// Where a block's front face shows on the page (client pixels): lets a
	// test point the mouse at a block it knows.
	screenOf(id) {
		const b = this.boxes[id];
		const p = new this.T.Vector3(b.x, b.y, b.z + GAP3D * 0.375).project(this.camera);
		const r = this.renderer.domElement.getBoundingClientRect();
		return { x: r.left + (p.x + 1) / 2 * r.width, y: r.top + (1 - p.y) / 2 * r.height };
	}
}
