//! Reading JSON objects: with the browser's own `JSON.parse` in the
//! widget, so no JSON parser ships in the bundle, and with serde_json in
//! native builds, so the reading rules are unit-tested natively.

/// One field of an object, as found.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// Not there.
    Missing,
    /// `null`.
    Null,
    /// A string.
    Str(String),
    /// A number.
    Num(f64),
    /// `true` or `false`.
    Bool(bool),
    /// An array or object.
    Other,
}

/// A parsed JSON object.
#[derive(Clone, Debug)]
pub struct Object(Inner);

#[cfg(target_arch = "wasm32")]
type Inner = wasm_bindgen::JsValue;
#[cfg(not(target_arch = "wasm32"))]
type Inner = serde_json::Map<String, serde_json::Value>;

impl Object {
    /// Parses `text`; `None` unless it is a JSON object.
    #[cfg(target_arch = "wasm32")]
    pub fn parse(text: &str) -> Option<Object> {
        let v = js_sys::JSON::parse(text).ok()?;
        (v.is_object() && !js_sys::Array::is_array(&v)).then_some(Object(v))
    }

    /// Parses `text`; `None` unless it is a JSON object.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn parse(text: &str) -> Option<Object> {
        match serde_json::from_str(text).ok()? {
            serde_json::Value::Object(m) => Some(Object(m)),
            _ => None,
        }
    }

    /// The field `name`.
    #[cfg(target_arch = "wasm32")]
    pub fn field(&self, name: &str) -> Field {
        let Ok(v) = js_sys::Reflect::get(&self.0, &wasm_bindgen::JsValue::from_str(name)) else {
            return Field::Missing;
        };
        if v.is_undefined() {
            Field::Missing
        } else if v.is_null() {
            Field::Null
        } else if let Some(s) = v.as_string() {
            Field::Str(s)
        } else if let Some(n) = v.as_f64() {
            Field::Num(n)
        } else if let Some(b) = v.as_bool() {
            Field::Bool(b)
        } else {
            Field::Other
        }
    }

    /// The field `name`.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn field(&self, name: &str) -> Field {
        use serde_json::Value;
        match self.0.get(name) {
            None => Field::Missing,
            Some(Value::Null) => Field::Null,
            Some(Value::String(s)) => Field::Str(s.clone()),
            Some(Value::Number(n)) => n.as_f64().map_or(Field::Other, Field::Num),
            Some(Value::Bool(b)) => Field::Bool(*b),
            Some(_) => Field::Other,
        }
    }

    /// The objects of the array field `name`; `None` unless it is an
    /// array of objects.
    #[cfg(target_arch = "wasm32")]
    pub fn objects(&self, name: &str) -> Option<Vec<Object>> {
        let v = js_sys::Reflect::get(&self.0, &wasm_bindgen::JsValue::from_str(name)).ok()?;
        if !js_sys::Array::is_array(&v) {
            return None;
        }
        js_sys::Array::from(&v)
            .iter()
            .map(|o| (o.is_object() && !js_sys::Array::is_array(&o)).then_some(Object(o)))
            .collect()
    }

    /// The objects of the array field `name`; `None` unless it is an
    /// array of objects.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn objects(&self, name: &str) -> Option<Vec<Object>> {
        match self.0.get(name)? {
            serde_json::Value::Array(items) => items
                .iter()
                .map(|o| match o {
                    serde_json::Value::Object(m) => Some(Object(m.clone())),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    /// A JS object handed over by the loader, read like parsed JSON.
    #[cfg(target_arch = "wasm32")]
    pub fn from_js(v: wasm_bindgen::JsValue) -> Option<Object> {
        v.is_object().then_some(Object(v))
    }

    /// No JS objects in native builds.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_js(_: wasm_bindgen::JsValue) -> Option<Object> {
        None
    }

    /// The object field `name`.
    #[cfg(target_arch = "wasm32")]
    pub fn object(&self, name: &str) -> Option<Object> {
        let v = js_sys::Reflect::get(&self.0, &wasm_bindgen::JsValue::from_str(name)).ok()?;
        (v.is_object() && !js_sys::Array::is_array(&v)).then_some(Object(v))
    }

    /// The object field `name`.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn object(&self, name: &str) -> Option<Object> {
        match self.0.get(name)? {
            serde_json::Value::Object(m) => Some(Object(m.clone())),
            _ => None,
        }
    }

    /// A required string.
    pub fn str(&self, name: &str) -> Option<String> {
        match self.field(name) {
            Field::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An optional string: `Some(None)` when missing or null, `None` when
    /// of another type (the whole value is then suspect).
    pub fn opt_str(&self, name: &str) -> Option<Option<String>> {
        match self.field(name) {
            Field::Missing | Field::Null => Some(None),
            Field::Str(s) => Some(Some(s)),
            _ => None,
        }
    }

    /// A required whole number.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.field(name) {
            Field::Num(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Some(n as i64),
            _ => None,
        }
    }

    /// A required boolean.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.field(name) {
            Field::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// Appends `s` as a JSON string literal (RFC 8259 §7).
pub fn push_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_by_type() {
        let o = Object::parse(r#"{"s":"x","n":3,"f":1.5,"b":true,"z":null,"a":[1]}"#).unwrap();
        assert_eq!(o.str("s").as_deref(), Some("x"));
        assert_eq!(o.str("n"), None);
        assert_eq!(o.int("n"), Some(3));
        assert_eq!(o.int("f"), None);
        assert_eq!(o.bool("b"), Some(true));
        assert_eq!(o.opt_str("z"), Some(None));
        assert_eq!(o.opt_str("missing"), Some(None));
        assert_eq!(o.opt_str("n"), None);
        assert_eq!(o.field("a"), Field::Other);
    }

    #[test]
    fn arrays_of_objects() {
        let o = Object::parse(r#"{"a":[{"x":"1"},{"x":"2"}],"b":[1],"c":{},"e":[]}"#).unwrap();
        let xs: Vec<String> = o
            .objects("a")
            .unwrap()
            .iter()
            .map(|i| i.str("x").unwrap())
            .collect();
        assert_eq!(xs, ["1", "2"]);
        assert!(o.objects("b").is_none() && o.objects("c").is_none() && o.objects("z").is_none());
        assert_eq!(o.objects("e").unwrap().len(), 0);
    }

    // Checked against serde_json, which only native builds have.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn strings_are_quoted() {
        let mut out = String::new();
        push_string(&mut out, "a \"b\" \\ c\nd\u{1}é ✓");
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "a \"b\" \\ c\nd\u{1}é ✓");
    }

    #[test]
    fn only_objects_parse() {
        for bad in ["", "[]", "3", "\"s\"", "null", "{", "{\"a\":}"] {
            assert!(Object::parse(bad).is_none(), "{bad:?}");
        }
    }
}
