//! Making cluster text safe for a terminal. Names, statuses, messages and log lines come from
//! the cluster (or anyone who can create a pod); none reaches a terminal without [`sanitize`],
//! so no escape sequence can restyle, retitle or rewrite it. Shared by the cockpit's views,
//! `strata status` and the describe and YAML text.

use std::borrow::Cow;

/// Drops terminal escape sequences (CSI, OSC, DCS and two-byte escapes, also in their
/// 8-bit C1 forms), control characters and bidirectional overrides; tabs and line breaks
/// become spaces so that a row stays one row.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_care) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    skip_csi(&mut chars);
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars);
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\t' | '\n' | '\r' => out.push(' '),
            c if needs_care(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_care(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Characters that reorder the text around them (the "Trojan Source" trick): a pod name
/// could otherwise display as a different one.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A control sequence: parameter and intermediate bytes, then one final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\u{20}'..='\u{3f}' => {
                chars.next();
            }
            '\u{40}'..='\u{7e}' => {
                chars.next();
                return;
            }
            // Not a valid sequence: stop here and let the caller judge this character.
            _ => return,
        }
    }
}

/// An OSC/DCS-style string: everything up to BEL or the string terminator (ESC \ or 0x9c).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(sanitize("airflow-scheduler-0"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_are_removed_whole() {
        assert_eq!(sanitize("\u{1b}[31mred\u{1b}[0m"), "red");
        assert_eq!(sanitize("a\u{1b}]0;pwned title\u{7}b"), "ab");
        assert_eq!(
            sanitize("a\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\b"),
            "alinkb"
        );
        assert_eq!(sanitize("x\u{1b}Py\u{1b}\\z"), "xz");
        assert_eq!(sanitize("x\u{9b}2Jy"), "xy");
        assert_eq!(sanitize("clear\u{1b}c"), "clear");
        assert_eq!(sanitize("dangling\u{1b}"), "dangling");
    }

    #[test]
    fn controls_go_and_breaks_become_spaces() {
        assert_eq!(sanitize("a\tb\nc\r\u{7}d\u{0}\u{7f}"), "a b c d");
    }

    #[test]
    fn bidi_overrides_are_removed() {
        assert_eq!(sanitize("pod-\u{202e}gnp.exe"), "pod-gnp.exe");
    }
}
