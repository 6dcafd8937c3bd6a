// The browser benchmark's probe: the first script of the host page. It
// watches the widget from inside the page and keeps its figures in
// window.__bench; the host page then sets __bench.widget to three
// functions that find the widget's launcher, composer and streaming reply.
//
// Times are performance.now() milliseconds (navigation start is 0). "Painted"
// is the end of the animation frame that first showed something: the frame
// watchers run at the start of each frame, and a message posted from there
// is handled once that frame has been rendered.
(() => {
  'use strict';
  const now = () => performance.now();
  const bench = (window.__bench = { widget: null });
  if (performance.setResourceTimingBufferSize) performance.setResourceTimingBufferSize(10000);

  // Main-thread tasks over 50 ms, as the browser reports them.
  const longTasks = [];
  let longTaskSupported = false;
  try {
    longTaskSupported = PerformanceObserver.supportedEntryTypes.includes('longtask');
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (_) {
    longTaskSupported = false;
  }

  // Every animation frame: the watchers, and the frame times while a
  // reply streams (a long gap between two frames is a blocked main thread).
  const watchers = new Set();
  let frames = null;
  const frame = (t) => {
    if (frames) frames.push(t);
    for (const watch of [...watchers]) watch(t);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  const afterPaint = (then) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => then(now());
    channel.port2.postMessage(0);
  };
  const attempt = (f) => {
    try {
      return f();
    } catch (_) {
      return null;
    }
  };
  // Resolves with {seen, painted} once `test` holds in a frame.
  const whenFrame = (test) =>
    new Promise((resolve) => {
      const watch = () => {
        if (!attempt(test)) return;
        watchers.delete(watch);
        const seen = now();
        afterPaint((painted) => resolve({ seen, painted }));
      };
      watchers.add(watch);
    });

  // On screen: laid out, not hidden, not fully transparent.
  const shown = (el) => {
    if (!el || !el.isConnected) return false;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return false;
    return !el.checkVisibility || el.checkVisibility({ visibilityProperty: true, opacityProperty: true });
  };
  // A composer a visitor can type in: shown, enabled, and it takes focus.
  const usable = (el) => {
    if (!shown(el) || el.disabled || el.readOnly) return false;
    el.focus({ preventScroll: true });
    return el.getRootNode().activeElement === el;
  };

  // Helpers for the widget's three functions.
  bench.shadow = (selector) => {
    const host = document.querySelector(selector);
    return host && host.shadowRoot;
  };
  // The first `reply` element after the last `question` element in `root`.
  bench.after = (root, question, reply) => {
    if (!root) return null;
    let found = null;
    let asked = false;
    for (const el of root.querySelectorAll(`${question}, ${reply}`)) {
      if (el.matches(question)) {
        asked = true;
        found = null;
      } else if (asked && !found) {
        found = el;
      }
    }
    return found;
  };

  bench.launcher = whenFrame(() => shown(bench.widget.launcher()));

  // The first trusted click after armClick(), timed from the press of the
  // button (a busy main thread handles the press late, and the release
  // later still), then the composer.
  let clickAt = null;
  let clickArmed = false;
  addEventListener(
    'pointerdown',
    (e) => {
      if (clickArmed && e.isTrusted && clickAt === null) clickAt = e.timeStamp;
    },
    true,
  );
  // Where a click lands on `el`: the middle of its box, in the viewport.
  bench.middle = (el) => {
    const box = el.getBoundingClientRect();
    return { x: Math.round(box.left + box.width / 2), y: Math.round(box.top + box.height / 2) };
  };
  bench.armClick = () => {
    clickArmed = true;
    clickAt = null;
    bench.opened = whenFrame(() => clickAt !== null && usable(bench.widget.composer())).then((t) => ({
      click: clickAt,
      ...t,
    }));
  };

  // Tasks over 50 ms so far (page load, opening).
  bench.longTasks = () => longTasks.slice();

  bench.resources = () =>
    performance.getEntriesByType('resource').map((e) => ({ url: e.name, start: e.startTime, end: e.responseEnd }));

  // The reply to the question sent with Enter after armReply(): complete
  // when it ends with `ending`, or when the ending is not known, once it
  // has not changed for `quietMs`; cut short when a known ending has not
  // come and nothing has changed for `stallMs`. Then `settleMs` more for
  // the work that follows.
  bench.armReply = (ending, quietMs, stallMs, settleMs, timeoutMs) => {
    const target = (ending || '').replace(/\s+/g, '');
    const s = { sent: null, first: null, last: null, text: '' };
    addEventListener(
      'keydown',
      (e) => {
        if (s.sent === null && e.isTrusted && e.key === 'Enter') {
          s.sent = e.timeStamp;
          frames = [];
        }
      },
      true,
    );
    bench.reply = new Promise((resolve) => {
      const finish = (complete, timedOut) => {
        watchers.delete(watch);
        setTimeout(() => {
          const end = s.last + settleMs;
          const inWindow = longTasks.filter((t) => t.start >= s.sent && t.start <= end);
          let gap = 0;
          for (let i = 1; i < frames.length; i++) {
            if (frames[i] <= end) gap = Math.max(gap, frames[i] - frames[i - 1]);
          }
          const el = attempt(() => bench.widget.reply());
          const text = el ? el.innerText : s.text;
          resolve({
            sent: s.sent,
            first: s.first,
            last: s.last,
            complete,
            timedOut,
            words: text.split(/\s+/).filter(Boolean).length,
            longTaskSupported,
            longTasks: inWindow.length,
            longestTask: inWindow.reduce((m, t) => Math.max(m, t.duration), 0),
            frames: frames.length,
            longestFrameGap: gap,
          });
          frames = null;
        }, settleMs);
      };
      const watch = () => {
        if (s.sent === null) return;
        const t = now();
        const el = attempt(() => bench.widget.reply());
        const text = el ? el.textContent : '';
        if (text !== s.text) {
          if (s.first === null && text.trim()) s.first = t;
          s.last = t;
          s.text = text;
        }
        const still = s.first !== null ? t - s.last : 0;
        if (target && text.replace(/\s+/g, '').endsWith(target)) finish(true, false);
        else if (!target && still > quietMs) finish(true, false);
        else if (target && still > stallMs) finish(false, false);
        else if (t - s.sent > timeoutMs) {
          if (s.last === null) s.last = t;
          finish(false, true);
        }
      };
      watchers.add(watch);
    });
  };
})();
