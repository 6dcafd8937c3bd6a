//! The options the loader hands to the widget, merged with the site's
//! server-side theme, checked, and turned into what the view applies.
//!
//! Three layers give an option, first one wins: the `<script>` tag's
//! `data-*` attributes, the site's theme from the server (`config.theme` of
//! `POST /v1/sessions`), then `Causette.init({...})`. A bad value is
//! skipped (the next layer or the default applies) with one console
//! warning naming the option.

use crate::json::{Field, Object};

/// What the loader gives [`crate::mount`].
#[derive(Clone)]
pub struct WidgetConfig {
    /// The site key (`data-site`).
    pub site: String,
    /// The API origin: the script's own origin unless `data-api` says otherwise.
    pub api: String,
    /// The `data-*` attributes, camelCase (`dataset`).
    pub attrs: Option<Object>,
    /// What `Causette.init` was given.
    pub init: Option<Object>,
}

/// The options in effect, each checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Look {
    /// Primary colour, `#rgb` or `#rrggbb`.
    pub color: Option<String>,
    /// The launcher's corner is on the left.
    pub left: bool,
    /// Offsets from the corner, px.
    pub offset_x: Option<i64>,
    /// Offset from the bottom, px.
    pub offset_y: Option<i64>,
    /// `chat`, `help` or `none`.
    pub launcher_icon: String,
    /// Text on the launcher, also its accessible name.
    pub launcher_label: Option<String>,
    /// Panel title.
    pub title: Option<String>,
    /// Panel subtitle.
    pub subtitle: Option<String>,
    /// Avatar image URL.
    pub avatar: Option<String>,
    /// First message shown.
    pub greeting: Option<String>,
    /// Composer placeholder.
    pub placeholder: Option<String>,
    /// `auto`, `en` or `fr`.
    pub locale: String,
    /// `light`, `dark` or `auto`.
    pub scheme: String,
    /// Corner radius, px.
    pub radius: Option<i64>,
    /// Open the panel on load.
    pub open: bool,
    /// Stacking order.
    pub z_index: Option<i64>,
    /// Rendered inside a container of the page (`target`): always open.
    pub inline: bool,
    /// The site's own CSS, with the `custom_css` scope only.
    pub custom_css: Option<String>,
    /// No "Powered by Causette", with the `white_label` scope only.
    pub hide_branding: bool,
}

/// A field as text: numbers and booleans as written in JS.
fn text(f: Field) -> Option<String> {
    match f {
        Field::Str(s) => Some(s),
        // Whole numbers only: no option takes a fraction, and float
        // formatting would cost bundle size.
        Field::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some((n as i64).to_string()),
        Field::Bool(b) => Some(if b { "true" } else { "false" }.to_owned()),
        Field::Missing | Field::Null => None,
        _ => Some(String::new()),
    }
}

/// `#rgb` or `#rrggbb` as (r, g, b).
pub fn parse_color(s: &str) -> Option<(u8, u8, u8)> {
    let hex = s.strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |i: usize, w: usize| u8::from_str_radix(&hex[i..i + w], 16).ok();
    match hex.len() {
        3 => Some((digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17)),
        6 => Some((digit(0, 2)?, digit(2, 2)?, digit(4, 2)?)),
        _ => None,
    }
}

// The browser's own pow: Rust's brings libm's (~1 KB gzip of bundle).
#[cfg(target_arch = "wasm32")]
fn pow(x: f64, y: f64) -> f64 {
    js_sys::Math::pow(x, y)
}

#[cfg(not(target_arch = "wasm32"))]
fn pow(x: f64, y: f64) -> f64 {
    x.powf(y)
}

/// WCAG 2 relative luminance of an sRGB colour, 0 (black) to 1 (white).
pub fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            pow((c + 0.055) / 1.055, 2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// Black or white text on `color`, whichever contrasts more (WCAG ratio).
pub fn on_color(color: (u8, u8, u8)) -> &'static str {
    let l = luminance(color);
    // Contrast with black: (l + .05) / .05; with white: 1.05 / (l + .05).
    if (l + 0.05) * (l + 0.05) > 1.05 * 0.05 {
        "#000000"
    } else {
        "#ffffff"
    }
}

/// Merges the layers (first present wins) and checks each value; `warn`
/// gets the name of each option whose value was skipped.
pub fn resolve(layers: &[&Object], scopes: &str, warn: &mut dyn FnMut(&str)) -> Look {
    let mut pick = |key: &str, ok: &dyn Fn(&str) -> bool| -> Option<String> {
        for layer in layers {
            if let Some(v) = text(layer.field(key)) {
                if ok(&v) {
                    return Some(v);
                }
                warn(key);
            }
        }
        None
    };
    let any = |_: &str| true;
    // One integer parser for all (each type's costs bundle size).
    let int = |v: &str| v.parse::<i64>().ok();
    let px = |v: &str| int(v).is_some_and(|n| (0..=9999).contains(&n));
    let one_of = |set: &'static [&'static str]| move |v: &str| set.contains(&v);
    let number = |v: Option<String>| v.and_then(|v| int(&v));
    let flag = |v: &str| v == "true" || v == "false";
    let scope = |s: &str| scopes.split_whitespace().any(|x| x == s);
    Look {
        color: pick("color", &|v| parse_color(v).is_some()),
        left: pick("position", &one_of(&["right", "left"])).as_deref() == Some("left"),
        offset_x: number(pick("offsetX", &px)),
        offset_y: number(pick("offsetY", &px)),
        launcher_icon: pick("launcherIcon", &one_of(&["chat", "help", "none"]))
            .unwrap_or_else(|| "chat".to_owned()),
        launcher_label: pick("launcherLabel", &any),
        title: pick("title", &any),
        subtitle: pick("subtitle", &any),
        avatar: pick("avatar", &|v| {
            v.starts_with("https://") || v.starts_with("http://") || v.starts_with('/')
        }),
        greeting: pick("greeting", &any),
        placeholder: pick("placeholder", &any),
        locale: pick("locale", &one_of(&["auto", "en", "fr"])).unwrap_or_else(|| "auto".to_owned()),
        scheme: pick("scheme", &one_of(&["light", "dark", "auto"]))
            .unwrap_or_else(|| "light".to_owned()),
        radius: number(pick("radius", &px)),
        open: pick("open", &flag).as_deref() == Some("true"),
        z_index: number(pick("zIndex", &|v| {
            int(v).is_some_and(|n| n.unsigned_abs() <= i32::MAX as u64)
        })),
        inline: pick("target", &any).is_some_and(|t| !t.is_empty()),
        custom_css: pick("customCss", &any).filter(|_| scope("custom_css")),
        hide_branding: pick("hideBranding", &flag).as_deref() == Some("true")
            && scope("white_label"),
    }
}

/// The theme as CSS custom properties on `:host`, for a constructable
/// stylesheet (never a `style` attribute: strict CSP).
pub fn theme_css(look: &Look) -> String {
    let mut vars = String::new();
    let mut var = |name: &str, value: &str| {
        vars.push_str(name);
        vars.push(':');
        vars.push_str(value);
        vars.push(';');
    };
    if let Some(c) = look.color.as_deref() {
        let on = parse_color(c).map_or("#ffffff", on_color);
        // The names of widget.css before the contract's names, too.
        for (name, value) in [
            ("--causette-color", c),
            ("--causette-primary", c),
            ("--causette-on-color", on),
            ("--causette-on-primary", on),
        ] {
            var(name, value);
        }
    }
    let px = |n: i64| [n.to_string().as_str(), "px"].concat();
    if let Some(r) = look.radius {
        var("--causette-radius", &px(r));
    }
    if let Some(x) = look.offset_x {
        var("--causette-x", &px(x));
    }
    if let Some(y) = look.offset_y {
        var("--causette-y", &px(y));
    }
    if let Some(z) = look.z_index {
        var("--causette-z", &z.to_string());
    }
    [":host{", &vars, "}"].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(json: &str) -> Object {
        Object::parse(json).unwrap()
    }

    #[test]
    fn text_on_a_colour_is_the_more_contrasting_of_black_and_white() {
        assert_eq!(on_color((0, 0, 0)), "#ffffff");
        assert_eq!(on_color((255, 255, 255)), "#000000");
        assert_eq!(on_color(parse_color("#4f46e5").unwrap()), "#ffffff");
        assert_eq!(on_color(parse_color("#ff0").unwrap()), "#000000");
        // #0a7 (teal, luminance ≈ 0.30) reads better in black.
        assert_eq!(on_color(parse_color("#0a7").unwrap()), "#000000");
        // Either side of the crossover (luminance ≈ 0.179): #767676 gives
        // 4.62 with black, 4.54 with white; #757575 4.56 and 4.61.
        assert_eq!(on_color(parse_color("#767676").unwrap()), "#000000");
        assert_eq!(on_color(parse_color("#757575").unwrap()), "#ffffff");
    }

    #[test]
    fn colours_are_css_hex_only() {
        assert_eq!(parse_color("#abc"), Some((0xaa, 0xbb, 0xcc)));
        assert_eq!(parse_color("#A0B1C2"), Some((0xa0, 0xb1, 0xc2)));
        for bad in ["abc", "#ab", "#abcd", "#ggg", "red", "#12345é", ""] {
            assert_eq!(parse_color(bad), None, "{bad}");
        }
    }

    #[test]
    fn attributes_win_over_the_server_theme_which_wins_over_init() {
        let attrs = obj(r##"{"color":"#111"}"##);
        let theme = obj(r##"{"color":"#222","title":"Server","radius":4}"##);
        let init = obj(r##"{"color":"#333","title":"Init","subtitle":"Init sub","radius":9}"##);
        let look = resolve(&[&attrs, &theme, &init], "", &mut |_| {});
        assert_eq!(look.color.as_deref(), Some("#111"));
        assert_eq!(look.title.as_deref(), Some("Server"));
        assert_eq!(look.subtitle.as_deref(), Some("Init sub"));
        assert_eq!(look.radius, Some(4));
    }

    #[test]
    fn bad_values_are_skipped_with_one_warning_each() {
        let attrs = obj(
            r##"{"color":"blue","position":"top","offsetX":"ten","offsetY":"12","zIndex":"x","open":"yes"}"##,
        );
        let init = obj(r##"{"color":"#0a7"}"##);
        let mut warned = Vec::new();
        let look = resolve(&[&attrs, &init], "", &mut |k| warned.push(k.to_owned()));
        assert_eq!(warned, ["color", "position", "offsetX", "open", "zIndex"]);
        assert_eq!(
            look.color.as_deref(),
            Some("#0a7"),
            "the next layer applies"
        );
        assert!(!look.left);
        assert_eq!((look.offset_x, look.offset_y), (None, Some(12)));
        assert!(!look.open);
        assert_eq!(look.launcher_icon, "chat");
        assert_eq!(
            (look.locale.as_str(), look.scheme.as_str()),
            ("auto", "light")
        );
    }

    #[test]
    fn init_values_may_be_numbers_and_booleans() {
        let init = obj(r#"{"offsetX":30,"open":true,"zIndex":50,"position":"left"}"#);
        let look = resolve(&[&init], "", &mut |k| panic!("{k}"));
        assert_eq!(look.offset_x, Some(30));
        assert!(look.open && look.left);
        assert_eq!(look.z_index, Some(50));
    }

    #[test]
    fn plan_features_need_their_scope() {
        let theme = obj(r#"{"customCss":".title{color:red}","hideBranding":true}"#);
        let free = resolve(&[&theme], "chat history", &mut |_| {});
        assert_eq!((free.custom_css, free.hide_branding), (None, false));
        let business = resolve(
            &[&theme],
            "chat history custom_css white_label",
            &mut |_| {},
        );
        assert_eq!(business.custom_css.as_deref(), Some(".title{color:red}"));
        assert!(business.hide_branding);
    }

    #[test]
    fn the_theme_becomes_custom_properties() {
        let init =
            obj(r##"{"color":"#fff","radius":"8","offsetX":"30","offsetY":"40","zIndex":"77"}"##);
        let css = theme_css(&resolve(&[&init], "", &mut |_| {}));
        for part in [
            "--causette-color:#fff;",
            "--causette-on-color:#000000;",
            "--causette-radius:8px;",
            "--causette-x:30px;",
            "--causette-y:40px;",
            "--causette-z:77;",
        ] {
            assert!(css.contains(part), "{css} lacks {part}");
        }
        assert_eq!(theme_css(&Look::default()), ":host{}");
    }
}
