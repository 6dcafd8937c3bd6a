/*! Causette loader. Paste on your site:
   <script async src="https://YOUR-CAUSETTE-HOST/embed.js" data-site="SITE_KEY"></script> */
(function (w, d) {
  var s = d.currentScript;
  if (!s || !s.src) return;
  var o = s.dataset;
  // The API is where this script came from, so a wrong API URL is hard to set.
  var api = (o.api || new URL(s.src).origin).replace(/\/+$/, '');
  var base = api + '/widget/__CAUSETTE_BUNDLE__/';
  var host = d.createElement('causette-widget');
  var root = host.attachShadow({ mode: 'open' });
  var sheet = new CSSStyleSheet();
  sheet.replaceSync(':host{all:initial!important;display:block!important}' +
    '.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;' +
    'border-radius:50%;border:0;padding:0;margin:0;display:flex!important;align-items:center;' +
    'justify-content:center;background:#4f46e5;color:#fff;cursor:pointer;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.25)}');
  root.adoptedStyleSheets = [sheet];
  var b = d.createElement('button');
  b.className = 'launcher';
  b.type = 'button';
  b.setAttribute('aria-label', 'Open chat');
  b.setAttribute('data-causette-placeholder', '');
  var ns = 'http://www.w3.org/2000/svg';
  var svg = d.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '28');
  svg.setAttribute('height', '28');
  svg.setAttribute('aria-hidden', 'true');
  var path = d.createElementNS(ns, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
  svg.appendChild(path);
  b.appendChild(svg);
  root.appendChild(b);

  var started, open = false;
  function load() {
    if (started) return;
    started = 1;
    import(base + 'causette-widget.js')
      .then(function (m) {
        return m.default({ module_or_path: base + 'causette-widget_bg.wasm' }).then(function () {
          m.mount(root, { site: o.site || '', api: api, open: open, locale: o.locale || 'auto' });
        });
      })
      .catch(function (e) {
        started = 0;
        console.error('Causette: the chat widget could not load from ' + base, e);
      });
  }
  b.addEventListener('click', function () { open = true; load(); });
  b.addEventListener('pointerenter', load);
  b.addEventListener('focus', load);
  if (w.requestIdleCallback) w.requestIdleCallback(load, { timeout: 4000 });
  else setTimeout(load, 1500);

  function attach() { d.body.appendChild(host); }
  if (d.body) attach();
  else d.addEventListener('DOMContentLoaded', attach);
})(window, document);
