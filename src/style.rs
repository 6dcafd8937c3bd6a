//! The widget's styles, adopted into its shadow root so that nothing leaks
//! into the host page and the host page's CSS does not reach in.

use wasm_bindgen::JsValue;

// www/widget.css, minified by build.rs.
const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.css"));

/// Adopts the widget stylesheet into `root`, keeping sheets already there
/// (the loader's launcher sheet).
pub fn adopt(root: &web_sys::ShadowRoot) -> Result<(), JsValue> {
    let sheet = web_sys::CssStyleSheet::new()?;
    sheet.replace_sync(CSS)?;
    let sheets = js_sys::Array::from(&root.adopted_style_sheets());
    sheets.push(&sheet);
    root.set_adopted_style_sheets(&sheets);
    Ok(())
}
