//! The widget's styles, adopted into its shadow root so that nothing leaks
//! into the host page and the host page's CSS does not reach in.

use wasm_bindgen::JsValue;

// www/widget.css, minified by build.rs.
const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.css"));

// The site's options (`data-position`, `data-mode`, `data-scheme` on
// `div.causette`, offsets as `--causette-x/y`) and the options' own
// elements. After widget.css, and one class more specific than its rules.
const OPTIONS_CSS: &str = concat!(
    ".causette .launcher{right:var(--causette-x,20px);bottom:var(--causette-y,20px)}",
    ".causette .panel{right:var(--causette-x,20px);bottom:calc(var(--causette-y,20px) + 68px)}",
    "[data-position=left] .launcher,[data-position=left] .panel{left:var(--causette-x,20px);right:auto}",
    ".launcher:has(.launcher-label){width:auto;gap:8px;padding:0 20px;border-radius:28px}",
    ".avatar{width:36px;height:36px;border-radius:50%;object-fit:cover}",
    // Inline, the panel is the widget: nothing closes it.
    "[data-mode=inline] .launcher,[data-mode=inline] .close{display:none!important}",
    "[data-mode=inline] .panel{position:relative;inset:auto;width:100%;max-width:none;height:100%;min-height:420px;box-shadow:none;z-index:auto}",
    "[data-scheme=dark]{--causette-bg:#111827;--causette-fg:#f3f4f6;--causette-muted:#9ca3af;--causette-bubble:#1f2937}",
    "@media(prefers-color-scheme:dark){[data-scheme=auto]{--causette-bg:#111827;--causette-fg:#f3f4f6;--causette-muted:#9ca3af;--causette-bubble:#1f2937}}",
    "@media(max-width:480px){[data-mode=floating] .panel{inset:0}}",
);

/// Adopts the widget stylesheet into `root`, keeping sheets already there
/// (the loader's launcher sheet).
pub fn adopt(root: &web_sys::ShadowRoot) -> Result<(), JsValue> {
    let sheet = web_sys::CssStyleSheet::new()?;
    sheet.replace_sync(&[CSS, OPTIONS_CSS].concat())?;
    let sheets = js_sys::Array::from(&root.adopted_style_sheets());
    sheets.push(&sheet);
    root.set_adopted_style_sheets(&sheets);
    Ok(())
}
