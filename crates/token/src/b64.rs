//! Unpadded base64url decoding (RFC 4648 §5), strict as RFC 7515 wants: no
//! padding, no line breaks, no other alphabet, zero trailing bits.
//!
//! Hand-written because the decoder is all the widget needs and a general
//! base64 engine costs several kilobytes of wasm; encoding (server side)
//! uses the `base64` crate.

use core::fmt;

/// Why a string is not unpadded base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Error {
    /// A byte outside `A–Z a–z 0–9 - _` at this offset.
    Byte(usize, u8),
    /// A length no encoding produces (one symbol over a multiple of four).
    Length,
    /// The last symbol carries bits that encode nothing.
    TrailingBits,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Byte(at, b) if b.is_ascii_graphic() => {
                write!(f, "invalid character '{}' at offset {at}", *b as char)
            }
            Error::Byte(at, b) => write!(f, "invalid byte 0x{b:02x} at offset {at}"),
            Error::Length => f.write_str("invalid length"),
            Error::TrailingBits => f.write_str("the last character has stray bits set"),
        }
    }
}

fn value(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    } as u32)
}

/// Decodes unpadded base64url.
pub(crate) fn decode(s: &str) -> Result<Vec<u8>, Error> {
    let bytes = s.as_bytes();
    if bytes.len() % 4 == 1 {
        return Err(Error::Length);
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let mut acc: u32 = 0;
        for (j, &b) in chunk.iter().enumerate() {
            let v = value(b).ok_or(Error::Byte(i * 4 + j, b))?;
            acc |= v << (18 - 6 * j);
        }
        let [_, b0, b1, b2] = acc.to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(&[b0, b1, b2]),
            3 if b2 == 0 => out.extend_from_slice(&[b0, b1]),
            2 if b1 == 0 && b2 == 0 => out.push(b0),
            _ => return Err(Error::TrailingBits),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    #[test]
    fn matches_rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(decode(enc).unwrap(), plain.as_bytes());
        }
        assert_eq!(decode("-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn refuses_what_jws_refuses() {
        assert_eq!(decode("Zg=="), Err(Error::Byte(2, b'=')));
        assert_eq!(decode("Zm9v+g"), Err(Error::Byte(4, b'+')));
        assert_eq!(decode("Zm9v Yg"), Err(Error::Byte(4, b' ')));
        assert_eq!(decode("Zm9vY"), Err(Error::Length));
        assert_eq!(decode("Zh"), Err(Error::TrailingBits));
        assert_eq!(decode("Zm9"), Err(Error::TrailingBits));
        assert_eq!(
            Error::Byte(3, b'+').to_string(),
            "invalid character '+' at offset 3"
        );
        assert_eq!(
            Error::Byte(0, 0xc3).to_string(),
            "invalid byte 0xc3 at offset 0"
        );
    }

    #[test]
    fn agrees_with_the_base64_crate() {
        let mut data = Vec::new();
        for n in 0..300u32 {
            data.push((n.wrapping_mul(2_654_435_761) >> 13) as u8);
            let enc = URL_SAFE_NO_PAD.encode(&data);
            assert_eq!(decode(&enc).unwrap(), data);
        }
        for s in ["Zh", "Zm9", "A", "AB", "ABC", "AB==", "_-_-_", "Zm8"] {
            assert_eq!(decode(s).is_ok(), URL_SAFE_NO_PAD.decode(s).is_ok(), "{s}");
        }
    }
}
