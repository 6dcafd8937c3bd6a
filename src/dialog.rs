//! The panel as a dialog: focus moves into the composer when it opens and
//! back to the launcher when it closes, Escape closes it, a hidden live
//! region reads each finished reply once, and on phones the full-screen
//! panel follows the visual viewport (so the on-screen keyboard never
//! covers the composer) while the host page does not scroll behind it.
//!
//! Written with a few `Reflect` calls rather than typed web-sys methods:
//! every typed import costs its own glue in the bundle, and this module
//! would otherwise add ~3 KB gzip (and they are never inlined, for the
//! same reason). Styles go through the CSSOM
//! (`style.setProperty`), never a `style` attribute, so a page with a
//! strict `style-src` allows them.

use std::cell::{Cell, RefCell};

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

/// Widths at or below this get the full-screen panel (www/widget.css).
const PHONE_MAX_WIDTH: f64 = 480.0;

#[inline(never)]
fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap_or_default()
}

#[inline(never)]
fn set(o: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(o, &key.into(), value);
}

/// `o[method](...args)`; undefined when `o` has no such method.
#[inline(never)]
fn call(o: &JsValue, method: &str, args: &[&JsValue]) -> JsValue {
    let list = Array::new();
    for a in args {
        list.push(a);
    }
    Reflect::apply(get(o, method).unchecked_ref::<js_sys::Function>(), o, &list).unwrap_or_default()
}

#[inline(never)]
fn find(o: &JsValue, css: &str) -> JsValue {
    call(o, "querySelector", &[&css.into()])
}

/// What the host page had before the scroll lock: its root element's
/// inline `overflow-x` and `overflow-y` (property, value, priority; the
/// viewport takes its overflow from there) and its scroll position.
type Saved = Option<(Vec<[JsValue; 3]>, [JsValue; 2])>;

/// Gives the panel inside `root` (the widget's `.causette` element) its
/// dialog behaviour. The widget lives as long as the page: the listeners
/// are never removed.
pub fn attach(root: &JsValue) {
    let panel = find(root, ".panel");
    if panel.is_null() {
        return;
    }
    let window: JsValue = js_sys::global().into();
    let live = call(&get(&window, "document"), "createElement", &[&"p".into()]);
    set(&live, "className", &"sr-only".into());
    call(
        &live,
        "setAttribute",
        &[&"aria-live".into(), &"polite".into()],
    );
    call(&panel, "append", &[&live]);
    let vv = get(&window, "visualViewport");
    // Finished replies on screen that arrived live (a restored transcript
    // is not read out); counted from the first look.
    let widget = root.clone();
    let (root, was_open, replies) = (root.clone(), Cell::new(false), Cell::new(None));
    let saved = RefCell::new(Saved::None);
    // One handler for every source: a key pressed in the widget, the visual
    // viewport moving, the panel's DOM changing (shown, hidden, a reply).
    let handler = {
        let (panel, vv, window) = (panel.clone(), vv.clone(), window.clone());
        move |e: JsValue| {
            if Array::is_array(&e) {
                // Mutation records: the panel was shown or hidden, or the
                // list changed.
                let open = !get(&panel, "hidden").is_truthy();
                // Inline, the panel is always open and part of the page.
                let inline = call(&root, "matches", &[&"[data-mode=inline]".into()]).is_truthy();
                if open != was_open.replace(open) && !inline {
                    let target = if open { ".input" } else { ".launcher" };
                    call(&find(&root, target), "focus", &[]);
                    lock_scroll(&window, &saved, open);
                }
                announce(&panel, &live, &replies);
            } else if get(&e, "key") == "Escape" {
                call(&find(&panel, ".close"), "click", &[]);
            } else if get(&e, "type") != "keydown" {
                // The visual viewport moved. Plain numbers: the stylesheet
                // multiplies them by 1px.
                let style = get(&panel, "style");
                for (name, key) in [
                    ("--causette-vv-top", "offsetTop"),
                    ("--causette-vv-height", "height"),
                ] {
                    call(&style, "setProperty", &[&name.into(), &get(&vv, key)]);
                }
            }
        }
    };
    let handler = Closure::<dyn Fn(JsValue)>::new(handler).into_js_value();
    // Escape from anywhere in the widget, the launcher included; never
    // from the host page, whose keys are its own.
    call(&widget, "addEventListener", &[&"keydown".into(), &handler]);
    if !vv.is_undefined() {
        for event in ["resize", "scroll"] {
            call(&vv, "addEventListener", &[&event.into(), &handler]);
        }
        call(&handler, "call", &[&JsValue::NULL, &vv]);
    }
    let options = js_sys::Object::new();
    set(&options, "attributeFilter", &Array::of1(&"hidden".into()));
    for key in ["childList", "characterData", "subtree"] {
        set(&options, key, &true.into());
    }
    let args = Array::of1(&handler);
    if let Ok(observer) = Reflect::construct(
        get(&window, "MutationObserver").unchecked_ref::<js_sys::Function>(),
        &args,
    ) {
        call(&observer, "observe", &[&panel, &options]);
    }
    // The panel may be open from the start: the visitor clicked the loader's button.
    call(&handler, "call", &[&JsValue::NULL, &Array::new()]);
}

/// Puts the text of a reply that just finished (or the note of one that
/// failed) in the live region.
fn announce(panel: &JsValue, live: &JsValue, seen: &Cell<Option<u32>>) {
    let list = call(
        panel,
        "querySelectorAll",
        &[&".assistant:not(.greeting):not(.streaming):not(.restored)".into()],
    );
    let n = get(&list, "length").as_f64().unwrap_or(0.0) as u32;
    if seen.replace(Some(n)).is_some_and(|before| n > before) {
        let last = call(&list, "item", &[&(n - 1).into()]);
        let mut text = find(&last, ".note");
        if text.is_null() {
            text = find(&last, ".text");
        }
        set(live, "textContent", &get(&text, "textContent"));
    }
}

/// Locks the host page's scrolling while the panel covers the screen
/// (`on`), or gives back exactly what was there, scroll position included.
fn lock_scroll(window: &JsValue, saved: &RefCell<Saved>, on: bool) {
    let style = get(&get(&get(window, "document"), "documentElement"), "style");
    let mut saved = saved.borrow_mut();
    if on {
        let phone = get(window, "innerWidth").as_f64() <= Some(PHONE_MAX_WIDTH);
        if phone && saved.is_none() {
            let kept = ["overflow-x", "overflow-y"].map(|p| {
                let p = JsValue::from_str(p);
                let value = call(&style, "getPropertyValue", &[&p]);
                let priority = call(&style, "getPropertyPriority", &[&p]);
                [p, value, priority]
            });
            let scroll = [get(window, "scrollX"), get(window, "scrollY")];
            *saved = Some((kept.into(), scroll));
            let args = ["overflow", "hidden", "important"].map(JsValue::from_str);
            call(&style, "setProperty", &[&args[0], &args[1], &args[2]]);
        }
    } else if let Some((kept, [x, y])) = saved.take() {
        // An empty value removes the property: the page had none.
        for [p, value, priority] in kept {
            call(&style, "setProperty", &[&p, &value, &priority]);
        }
        call(window, "scrollTo", &[&x, &y]);
    }
}
