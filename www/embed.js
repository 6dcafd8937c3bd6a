/*! Causette loader. Paste on your site:
   <script async src="https://YOUR-CAUSETTE-HOST/embed.js" data-site="SITE_KEY"></script> */
(function (w, d) {
  var s = d.currentScript;
  if (!s || !s.src) return;
  var o = s.dataset;
  // The API is where this script came from, so a wrong API URL is hard to set.
  var api = (o.api || new URL(s.src).origin).replace(/\/+$/, '');
  var base = api + '/widget/__CAUSETTE_BUNDLE__/';
  var C = w.Causette;
  var M = 'open close toggle send identify destroy'.split(' ');

  // A set of the API's methods, each running `run(name, args)`.
  function api_of(run) {
    var h = {};
    M.forEach(function (n) {
      h[n] = function (x) { run(n, x); return h; };
    });
    return h;
  }
  // Listeners: [event, fn] pairs; `on`/`off` for a handle.
  function listen(h, l) {
    h.on = function (e, f) { l.push([e, f]); };
    h.off = function (e, f) {
      l.splice(l.findIndex(function (x) { return x[0] == e && x[1] == f; }) >>> 0, 1);
    };
  }

  // The one global, shared by every embed.js tag on the page: top-level
  // methods act on every widget.
  if (!C || !C.get) {
    var all = [], every = [], opts = {};
    C = w.Causette = api_of(function (n, a) {
      all.slice().forEach(function (h) { h[n](a); });
    });
    listen(C, every);
    // Widgets read the options when they load; loaded ones (`c`, their
    // control) are told again.
    C.init = function (x) {
      Object.assign(opts, x);
      all.forEach(function (h) { h.c?.('init', opts); });
      return C;
    };
    C.get = function (k) {
      return all.find(function (x) { return x.site == k; });
    };
    // Shared with the other tags, not for pages to use.
    C._ = [all, every, opts];
  }
  var shared = C._, ctl, queue = [], mine = [], started;
  // Before the bundle is in, calls wait (and fetch it); then they go
  // straight to the widget.
  var h = api_of(function (n, a) {
    if (n == 'destroy') {
      if (ctl) ctl(n);
      return gone();
    }
    if (ctl) ctl(n, a);
    else { queue.push([n, a]); load(); }
  });
  h.site = o.site || '';
  listen(h, mine);
  shared[0].push(h);

  function emit(e, x) {
    mine.concat(shared[1]).forEach(function (l) {
      if (l[0] == e) try { l[1](x); } catch (err) { console.error(err); }
    });
  }

  var target = o.target && d.querySelector(o.target);
  var host = d.createElement('causette-widget');
  var root = host.attachShadow({ mode: 'open' });

  function gone() {
    host.remove();
    // -1 >>> 0 is past the end: nothing is removed.
    shared[0].splice(shared[0].indexOf(h) >>> 0, 1);
    started = 2;
  }

  function load() {
    if (started) return;
    started = 1;
    // The glue and the wasm are fetched side by side; widgets of the same
    // bundle share one fetch.
    Promise.all([
      import(base + 'causette-widget.js'),
      shared[base] = shared[base] || fetch(base + 'causette-widget_bg.wasm')
    ])
      .then(function ([m, wasm]) {
        return m.default({ module_or_path: wasm }).then(function () {
          if (started == 2) return;
          ctl = h.c = m.mount(root, { site: h.site, api: api, attrs: o, init: shared[2] }, emit);
          queue.forEach(function (c) { ctl.apply(0, c); });
          queue = 0;
        });
      })
      .catch(function (e) {
        started = shared[base] = 0;
        console.error('Causette: cannot load ' + base, e);
      });
  }

  if (o.userId) h.identify({ id: o.userId, name: o.userName, email: o.userEmail, hash: o.userHash });

  if (target) {
    // Inline: no launcher, the panel is the widget; load at once.
    load();
  } else {
    // The launcher paints now, where and how the options put it.
    var pos = o.position == 'left' ? 'left' : 'right';
    var px = function (v) { return (v >= 0 ? +v : 20) + 'px'; };
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(':host{all:initial!important}' +
      '.launcher{position:fixed;' + pos + ':' + px(o.offsetX) + ';bottom:' + px(o.offsetY) +
      ';z-index:' + (o.zIndex >= 0 ? +o.zIndex : 2147483000) + ';width:56px;height:56px;' +
      'border-radius:50%;border:0;display:grid;place-items:center;background:' + (/^#([\da-f]{3}){1,2}$/i.test(o.color) ? o.color : '#4f46e5') +
      ';color:#fff;box-shadow:0 4px 14px #0004}');
    root.adoptedStyleSheets = [sheet];
    var b = d.createElement('button');
    b.className = 'launcher';
    b.ariaLabel = o.launcherLabel || 'Open chat';
    var svg = function (n, a) {
      var e = d.createElementNS('http://www.w3.org/2000/svg', n);
      for (var k in a) e.setAttribute(k, a[k]);
      return e;
    };
    var icon = svg('svg', { viewBox: '0 0 24 24', width: 28, height: 28, 'aria-hidden': 'true' });
    icon.appendChild(svg('path', {
      fill: 'currentColor',
      d: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z'
    }));
    b.appendChild(icon);
    root.appendChild(b);
    b.onclick = h.open;
    b.onpointerenter = b.onfocus = load;
    // Without requestIdleCallback (Safari), right after this script.
    if (o.open == 'true') load();
    else (w.requestIdleCallback || setTimeout)(load);
  }

  function attach() { (target || d.body).appendChild(host); }
  if (target || d.body) attach();
  else d.addEventListener('DOMContentLoaded', attach);
})(window, document);
