//! Terminal-safe text from untrusted bytes: every control character and escape sequence is
//! removed (CSI, OSC — clipboard writes, hyperlinks, titles —, DCS, APC/PM/SOS, bare ESC, C1
//! controls, BEL, BS, NUL, CR overwrites, bidi overrides) so no cluster text can drive the
//! terminal or hide part of itself; SGR colours and attributes are kept as [`StyleRun`]s
//! for the viewer to redraw with the theme.
//!
//! One pass over the bytes, printable ASCII copied in bulk: it runs on every log line.

use super::line::{LogColor, StyleRun};

/// The sanitizer's output for one line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sanitized {
    pub text: String,
    pub styles: Vec<StyleRun>,
    /// Input bytes turned into `text` (all of them unless the output cap was reached).
    pub consumed: usize,
}

/// Tab stops every 8 columns, as terminals set them.
const TAB_WIDTH: usize = 8;

/// CSI parameter bytes kept for SGR parsing; longer parameter strings are not colours anyone
/// writes, so the sequence is dropped rather than interpreted.
const MAX_CSI_PARAMS: usize = 64;

/// Sanitizes `raw` (one line, any bytes) into at most `max_text` bytes of text plus style
/// runs. Invalid UTF-8 becomes U+FFFD; tabs become spaces to the next tab stop; an
/// escape sequence cut off by the end of the line is dropped whole.
pub fn sanitize(raw: &[u8], max_text: usize) -> Sanitized {
    // Fast path for the common line: printable ASCII only.
    if raw.len() <= max_text
        && raw.iter().all(|b| (0x20..0x7f).contains(b))
        && let Ok(s) = std::str::from_utf8(raw)
    {
        return Sanitized {
            text: s.to_string(),
            styles: Vec::new(),
            consumed: raw.len(),
        };
    }
    let mut m = Machine {
        out: Writer {
            text: String::with_capacity(raw.len().min(max_text)),
            styles: Vec::new(),
            pen: Pen::default(),
            col: 0,
            pending_cr: false,
            max: max_text,
        },
        state: State::Ground,
        params: [0; MAX_CSI_PARAMS],
        params_len: 0,
        params_overflow: false,
        csi_intermediate: false,
    };
    let mut base = 0;
    for chunk in raw.utf8_chunks() {
        let valid = chunk.valid();
        if let Err(stopped) = m.feed(valid) {
            return m.finish(base + stopped);
        }
        base += valid.len();
        let invalid = chunk.invalid();
        if !invalid.is_empty() {
            if m.invalid().is_err() {
                return m.finish(base);
            }
            base += invalid.len();
        }
    }
    m.finish(raw.len())
}

/// Text with every escape and control removed and colours dropped: for strings a decoder
/// lifts out of a JSON field (which may hold `\u001b` escapes) into a headline or reason.
pub fn plain_text(s: &str) -> String {
    sanitize(s.as_bytes(), usize::MAX).text
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Pen {
    fg: Option<LogColor>,
    bg: Option<LogColor>,
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
}

impl Pen {
    fn run(&self, start: usize, end: usize) -> StyleRun {
        StyleRun {
            start: start as u32,
            end: end as u32,
            fg: self.fg,
            bg: self.bg,
            bold: self.bold,
            dim: self.dim,
            italic: self.italic,
            underline: self.underline,
        }
    }

    fn same_as(&self, r: &StyleRun) -> bool {
        self.fg == r.fg
            && self.bg == r.bg
            && self.bold == r.bold
            && self.dim == r.dim
            && self.italic == r.italic
            && self.underline == r.underline
    }
}

/// Builds the text and its runs; refuses to grow past `max` bytes.
struct Writer {
    text: String,
    styles: Vec<StyleRun>,
    pen: Pen,
    /// Characters since the start of the line, for tab stops (not display width: close
    /// enough for log columns, and free).
    col: usize,
    /// A CR was seen: the text after it is separated by a space instead of overwriting what
    /// came before (a terminal would let the tail hide the head).
    pending_cr: bool,
    max: usize,
}

/// The output cap was reached after `taken` bytes of the string being appended.
struct Full {
    taken: usize,
}

impl Writer {
    fn mark(&mut self, start: usize) {
        let end = self.text.len();
        if end == start || self.pen == Pen::default() {
            return;
        }
        if let Some(last) = self.styles.last_mut()
            && last.end as usize == start
            && self.pen.same_as(last)
        {
            last.end = end as u32;
            return;
        }
        self.styles.push(self.pen.run(start, end));
    }

    fn flush_cr(&mut self) -> Result<(), Full> {
        if self.pending_cr {
            self.pending_cr = false;
            if !self.text.is_empty() {
                self.push_plain(" ").map_err(|_| Full { taken: 0 })?;
            }
        }
        Ok(())
    }

    /// Appends printable text; on reaching the cap, appends what fits and fails.
    fn push_plain(&mut self, s: &str) -> Result<(), Full> {
        let start = self.text.len();
        let room = self.max.saturating_sub(start);
        if s.len() <= room {
            self.text.push_str(s);
            self.col += s.chars().count();
            self.mark(start);
            return Ok(());
        }
        let mut cut = room;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        self.text.push_str(&s[..cut]);
        self.mark(start);
        Err(Full { taken: cut })
    }

    fn push_str(&mut self, s: &str) -> Result<(), Full> {
        self.flush_cr()?;
        self.push_plain(s)
    }

    fn push_char(&mut self, c: char) -> Result<(), Full> {
        let mut buf = [0u8; 4];
        self.push_str(c.encode_utf8(&mut buf))
    }

    fn tab(&mut self) -> Result<(), Full> {
        self.flush_cr()?;
        let n = TAB_WIDTH - self.col % TAB_WIDTH;
        self.push_plain(&"        "[..n])
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Ground,
    /// After ESC.
    Esc,
    /// ESC followed by intermediate bytes (charset designation and the like).
    EscIntermediate,
    Csi,
    /// A control string (OSC, DCS, SOS, PM, APC): swallowed until its terminator. Only OSC
    /// may end with BEL.
    Str {
        bel_ends: bool,
    },
    /// ESC inside a control string: `\` completes ST.
    StrEsc {
        bel_ends: bool,
    },
}

struct Machine {
    out: Writer,
    state: State,
    params: [u8; MAX_CSI_PARAMS],
    params_len: usize,
    params_overflow: bool,
    csi_intermediate: bool,
}

impl Machine {
    /// Processes one valid UTF-8 piece; on hitting the output cap returns the byte offset in
    /// `s` where it stopped.
    fn feed(&mut self, s: &str) -> Result<(), usize> {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if self.state == State::Ground {
                let start = i;
                while i < bytes.len() && (0x20..0x7f).contains(&bytes[i]) {
                    i += 1;
                }
                if i > start
                    && let Err(full) = self.out.push_str(&s[start..i])
                {
                    return Err(start + full.taken);
                }
                if i == bytes.len() {
                    break;
                }
            }
            let c = match s[i..].chars().next() {
                Some(c) => c,
                None => break,
            };
            let at = i;
            i += c.len_utf8();
            if self.step(c).is_err() {
                return Err(at);
            }
        }
        Ok(())
    }

    /// Invalid UTF-8 bytes: payload inside a control string, a replacement character
    /// anywhere else (aborting a half-read sequence).
    fn invalid(&mut self) -> Result<(), Full> {
        match self.state {
            State::Str { .. } => Ok(()),
            State::StrEsc { bel_ends } => {
                self.state = State::Str { bel_ends };
                Ok(())
            }
            _ => {
                self.state = State::Ground;
                self.out.push_char('\u{FFFD}')
            }
        }
    }

    fn finish(mut self, consumed: usize) -> Sanitized {
        // A sequence still open at the end of the line is dropped; so is a trailing CR.
        self.out.pending_cr = false;
        Sanitized {
            text: self.out.text,
            styles: self.out.styles,
            consumed,
        }
    }

    fn start_csi(&mut self) {
        self.state = State::Csi;
        self.params_len = 0;
        self.params_overflow = false;
        self.csi_intermediate = false;
    }

    fn step(&mut self, c: char) -> Result<(), Full> {
        match self.state {
            State::Ground => self.ground(c),
            State::Esc => {
                match c {
                    '[' => self.start_csi(),
                    ']' => self.state = State::Str { bel_ends: true },
                    'P' | 'X' | '^' | '_' => self.state = State::Str { bel_ends: false },
                    '\x1b' => {}
                    ' '..='/' => self.state = State::EscIntermediate,
                    '0'..='~' => self.state = State::Ground,
                    _ => {
                        // Not a sequence: the ESC alone is dropped, the character stands.
                        self.state = State::Ground;
                        return self.ground(c);
                    }
                }
                Ok(())
            }
            State::EscIntermediate => {
                match c {
                    ' '..='/' => {}
                    '0'..='~' => self.state = State::Ground,
                    _ => {
                        self.state = State::Ground;
                        return self.ground(c);
                    }
                }
                Ok(())
            }
            State::Csi => {
                match c {
                    '0'..='?' => {
                        if self.params_len < MAX_CSI_PARAMS {
                            self.params[self.params_len] = c as u8;
                            self.params_len += 1;
                        } else {
                            self.params_overflow = true;
                        }
                    }
                    ' '..='/' => self.csi_intermediate = true,
                    '@'..='~' => {
                        self.state = State::Ground;
                        if c == 'm' && !self.csi_intermediate && !self.params_overflow {
                            let params = self.params;
                            apply_sgr(&mut self.out.pen, &params[..self.params_len]);
                        }
                    }
                    '\x1b' => self.state = State::Esc,
                    // C0 controls inside a sequence are ignored, as terminals execute them
                    // without ending it; here they have no effect at all.
                    '\0'..='\x1f' | '\x7f' => {}
                    _ => {
                        self.state = State::Ground;
                        return self.ground(c);
                    }
                }
                Ok(())
            }
            State::Str { bel_ends } => {
                match c {
                    '\x07' if bel_ends => self.state = State::Ground,
                    '\x1b' => self.state = State::StrEsc { bel_ends },
                    '\u{9c}' => self.state = State::Ground,
                    _ => {}
                }
                Ok(())
            }
            State::StrEsc { .. } => {
                if c == '\\' {
                    self.state = State::Ground;
                    Ok(())
                } else {
                    // An ESC that is not ST aborts the string and starts a new sequence.
                    self.state = State::Esc;
                    self.step(c)
                }
            }
        }
    }

    fn ground(&mut self, c: char) -> Result<(), Full> {
        match c {
            '\x1b' => self.state = State::Esc,
            '\t' => return self.out.tab(),
            '\r' => self.out.pending_cr = true,
            // 8-bit forms of CSI, OSC, DCS, SOS, PM, APC: as dangerous as their ESC forms.
            '\u{9b}' => self.start_csi(),
            '\u{9d}' => self.state = State::Str { bel_ends: true },
            '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => {
                self.state = State::Str { bel_ends: false }
            }
            // Every other C0 and C1 control, DEL.
            '\0'..='\x1f' | '\x7f'..='\u{9f}' => {}
            // Bidi embeddings, overrides and isolates reorder what the terminal shows
            // (`\u{202E}gnp.exe` reads as `exe.png`).
            '\u{061c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' => {}
            // Line and paragraph separators would break the row.
            '\u{2028}' | '\u{2029}' => return self.out.push_str(" "),
            c => return self.out.push_char(c),
        }
        Ok(())
    }
}

/// Applies an SGR parameter string (`1;31`, `38;5;208`, `38:2::255:128:0`, empty = reset).
fn apply_sgr(pen: &mut Pen, params: &[u8]) {
    // Private-marker sequences (`CSI ? … m`, `CSI > … m`) are not SGR.
    if params
        .iter()
        .any(|b| matches!(b, b'<' | b'=' | b'>' | b'?'))
    {
        return;
    }
    let mut groups = params.split(|&b| b == b';');
    while let Some(group) = groups.next() {
        let mut subs = group.split(|&b| b == b':').map(number);
        let code = subs.next().flatten().unwrap_or(0);
        let has_subs = group.contains(&b':');
        match code {
            0 => *pen = Pen::default(),
            1 => pen.bold = true,
            2 => pen.dim = true,
            3 => pen.italic = true,
            // `4:0` is "no underline" in the sub-parameter form.
            4 => pen.underline = subs.next().flatten() != Some(0),
            21 => pen.underline = true,
            22 => {
                pen.bold = false;
                pen.dim = false;
            }
            23 => pen.italic = false,
            24 => pen.underline = false,
            30..=37 => pen.fg = Some(LogColor::Indexed((code - 30) as u8)),
            38 => pen.fg = extended(has_subs, &mut subs, &mut groups),
            39 => pen.fg = None,
            40..=47 => pen.bg = Some(LogColor::Indexed((code - 40) as u8)),
            48 => pen.bg = extended(has_subs, &mut subs, &mut groups),
            49 => pen.bg = None,
            // Underline colour: read its arguments so they are not taken for codes.
            58 => {
                let _ = extended(has_subs, &mut subs, &mut groups);
            }
            90..=97 => pen.fg = Some(LogColor::Indexed((code - 90 + 8) as u8)),
            100..=107 => pen.bg = Some(LogColor::Indexed((code - 100 + 8) as u8)),
            // Blink, reverse, hidden, strike-through and the rest are not kept: hidden text
            // in particular must stay visible in a log viewer.
            _ => {}
        }
    }
}

fn number(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 6 {
        return None;
    }
    let mut n = 0u32;
    for &d in b {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(d - b'0');
    }
    Some(n)
}

fn byte(n: Option<u32>) -> Option<u8> {
    n.and_then(|v| u8::try_from(v).ok())
}

/// Reads an extended colour (`5;n` or `2;r;g;b`) from the colon sub-parameters of its group
/// or from the following groups (the common `38;5;208` form).
fn extended<'a>(
    colon_form: bool,
    subs: &mut impl Iterator<Item = Option<u32>>,
    groups: &mut impl Iterator<Item = &'a [u8]>,
) -> Option<LogColor> {
    if colon_form {
        let rest: Vec<Option<u32>> = subs.collect();
        match rest.first().copied().flatten() {
            Some(5) => byte(rest.get(1).copied().flatten()).map(LogColor::Indexed),
            Some(2) => {
                // `38:2:r:g:b` or, per ITU T.416, `38:2:colourspace:r:g:b`.
                let rgb = if rest.len() >= 5 {
                    &rest[2..5]
                } else {
                    rest.get(1..4)?
                };
                Some(LogColor::Rgb(byte(rgb[0])?, byte(rgb[1])?, byte(rgb[2])?))
            }
            _ => None,
        }
    } else {
        match groups.next().and_then(number) {
            Some(5) => byte(groups.next().and_then(number)).map(LogColor::Indexed),
            Some(2) => {
                let r = byte(groups.next().and_then(number));
                let g = byte(groups.next().and_then(number));
                let b = byte(groups.next().and_then(number));
                Some(LogColor::Rgb(r?, g?, b?))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::line::parse_line;

    fn clean(raw: &[u8]) -> Sanitized {
        sanitize(raw, usize::MAX)
    }

    fn text(raw: &str) -> String {
        clean(raw.as_bytes()).text
    }

    /// Nothing a terminal would act on: no control character, no bidi control.
    fn assert_inert(s: &str) {
        for c in s.chars() {
            assert!(!c.is_control(), "control {c:?} left in {s:?}");
            assert!(
                !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'),
                "bidi control {c:?} left in {s:?}"
            );
        }
    }

    fn run_text<'a>(s: &'a Sanitized, r: &StyleRun) -> &'a str {
        &s.text[r.start as usize..r.end as usize]
    }

    #[test]
    fn dbt_colours_become_style_runs_and_no_escape_survives() {
        let log = include_str!("../../tests/fixtures/dbt/dbt-build-text.log");
        assert!(log.contains('\x1b'), "the fixture is the coloured one");
        let mut coloured = Vec::new();
        for raw in log.lines() {
            let l = parse_line(0, raw.as_bytes(), false);
            assert!(!l.text.contains('\x1b'), "{:?}", l.text);
            assert_inert(&l.text);
            for r in l.style_runs() {
                coloured.push((l.text[r.start as usize..r.end as usize].to_string(), r.fg));
            }
        }
        let green = Some(LogColor::Indexed(2));
        let red = Some(LogColor::Indexed(1));
        let yellow = Some(LogColor::Indexed(3));
        let count = |t: &str, c| coloured.iter().filter(|(x, f)| x == t && *f == c).count();
        assert_eq!(count("OK", green), 2);
        assert_eq!(count("PASS", green), 2);
        assert_eq!(count("FAIL 1", red), 1);
        assert_eq!(count("ERROR", red), 1);
        assert_eq!(count("SKIP", yellow), 2);
        assert_eq!(
            count(
                "Completed with 2 errors, 0 partial successes, and 0 warnings:",
                red
            ),
            1
        );
        assert_eq!(
            count(
                "Failure in model broken_model (models/broken_model.sql)",
                red
            ),
            1
        );
        // The leading `ESC[0m` of every line is a reset, not a run.
        assert_eq!(coloured.len(), 11, "{coloured:?}");
        let l = parse_line(0, log.lines().nth(10).unwrap().as_bytes(), false);
        assert_eq!(
            &*l.text,
            "11:42:47  1 of 8 OK created sql view model main.stg_customers ............................ [OK in 0.47s]"
        );
    }

    #[test]
    fn osc_clipboard_title_and_hyperlinks_are_removed() {
        assert_eq!(text("copy \x1b]52;c;ZWNobyBwd25lZA==\x07done"), "copy done");
        assert_eq!(text("copy \x1b]52;c;Zm9v\x1b\\done"), "copy done");
        assert_eq!(
            text("title \x1b]0;you have been pwned\x07 set"),
            "title  set"
        );
        // OSC 8: the link goes, the link text stays.
        assert_eq!(
            text("see \x1b]8;;https://evil.example/\x1b\\a hyperlink\x1b]8;;\x1b\\ here"),
            "see a hyperlink here"
        );
    }

    #[test]
    fn cursor_movement_screen_clear_and_modes_are_removed() {
        assert_eq!(
            text("clear\x1b[2J\x1b[H home \x1b[10;40Hjump \x1b[2A\x1b[K up"),
            "clear home jump  up"
        );
        assert_eq!(
            text("alt \x1b[?1049h hide \x1b[?25l mouse \x1b[?1000h end"),
            "alt  hide  mouse  end"
        );
        // Save/restore cursor, full reset, charset designations, keypad modes.
        assert_eq!(
            text("\x1b7a\x1b8b\x1bcc\x1b(0d\x1b(Be\x1b=f\x1b>g"),
            "abcdefg"
        );
        assert_eq!(text("\x1b#8aligned"), "aligned");
    }

    #[test]
    fn device_control_and_privacy_strings_are_removed() {
        assert_eq!(text("a\x1bP+q544e\x1b\\b"), "ab");
        assert_eq!(
            text("a\x1b_Gf=100;AAAA\x1b\\b"),
            "ab",
            "kitty graphics (APC)"
        );
        assert_eq!(text("a\x1b^secret\x1b\\b"), "ab");
        assert_eq!(text("a\x1bXstring\x1b\\b"), "ab");
        // BEL ends only an OSC: inside a DCS it is payload.
        assert_eq!(text("a\x1bPpayload\x07still\x1b\\b"), "ab");
    }

    #[test]
    fn carriage_returns_cannot_hide_text() {
        // A terminal would show `ERRORll good`; every part stays visible here.
        assert_eq!(text("INFO all good\rERROR"), "INFO all good ERROR");
        assert_eq!(
            text("progress 10%\rprogress 55%\rprogress 100%"),
            "progress 10% progress 55% progress 100%"
        );
        assert_eq!(text("windows line\r"), "windows line");
        assert_eq!(text("\rleading"), "leading");
    }

    #[test]
    fn c0_controls_and_del_are_removed() {
        assert_eq!(text("a\0b\x07c\x08d\x7fe\x0bf\x0cg\x1ch"), "abcdefgh");
        assert_eq!(text("abc\x08\x08\x08XYZ"), "abcXYZ");
    }

    #[test]
    fn c1_controls_in_both_encodings() {
        // Raw 8-bit C1 bytes are not UTF-8: they become U+FFFD and cannot act.
        let s = clean(b"x\x9b31my\x9d0;t\x9c z");
        assert_eq!(s.text, "x\u{FFFD}31my\u{FFFD}0;t\u{FFFD} z");
        // Encoded as characters they are sequence introducers, handled like their ESC forms.
        let s =
            clean("a\u{9b}31mred\u{9b}0m \u{85}b \u{9d}0;title\u{9c}c \u{90}dcs\u{9c}d".as_bytes());
        assert_eq!(s.text, "ared b c d");
        assert_eq!(s.styles.len(), 1);
        assert_eq!(run_text(&s, &s.styles[0]), "red");
        assert_inert(&s.text);
    }

    #[test]
    fn truncated_sequences_at_the_end_of_a_line_are_dropped() {
        for raw in [
            "text \x1b",
            "text \x1b[",
            "text \x1b[38;5",
            "text \x1b]0;title without end",
            "text \x1b]52;c;Zm9v",
            "text \x1bP1$r",
            "text \x1b(",
        ] {
            let s = clean(raw.as_bytes());
            assert_eq!(s.text, "text ", "{raw:?}");
            assert!(s.styles.is_empty());
            assert_eq!(s.consumed, raw.len());
        }
    }

    #[test]
    fn bidi_overrides_are_removed_and_tabs_expand() {
        assert_eq!(text("file \u{202E}gnp.exe\u{202C} ok"), "file gnp.exe ok");
        assert_eq!(text("\u{2067}isolate\u{2069}"), "isolate");
        assert_eq!(text("a\tb"), "a       b");
        assert_eq!(text("\tx"), "        x");
        assert_eq!(text("abcdefgh\tx"), "abcdefgh        x");
        // Wide and combining text passes through untouched.
        let wide = "数据管道失败 🔥 Z\u{337}a";
        assert_eq!(text(wide), wide);
    }

    #[test]
    fn sgr_colours_16_256_and_truecolor() {
        let s = clean(b"\x1b[31mr\x1b[91mR\x1b[38;5;208mo\x1b[38;2;255;128;0mt\x1b[38:2::1:2:3mc\x1b[48;5;17mb\x1b[0m.");
        assert_eq!(s.text, "rRotcb.");
        let fg: Vec<_> = s.styles.iter().map(|r| r.fg).collect();
        assert_eq!(
            fg,
            [
                Some(LogColor::Indexed(1)),
                Some(LogColor::Indexed(9)),
                Some(LogColor::Indexed(208)),
                Some(LogColor::Rgb(255, 128, 0)),
                Some(LogColor::Rgb(1, 2, 3)),
                Some(LogColor::Rgb(1, 2, 3)),
            ]
        );
        assert_eq!(s.styles[5].bg, Some(LogColor::Indexed(17)));
        assert_eq!(s.styles.last().unwrap().end, 6, "the final dot is unstyled");
        // Bright backgrounds, default colours.
        let s = clean(b"\x1b[103;94mx\x1b[39my\x1b[49mz");
        assert_eq!(s.styles[0].bg, Some(LogColor::Indexed(11)));
        assert_eq!(s.styles[0].fg, Some(LogColor::Indexed(12)));
        assert_eq!(
            (s.styles[1].fg, s.styles[1].bg),
            (None, Some(LogColor::Indexed(11)))
        );
        assert_eq!(s.styles.len(), 2, "z has the default style");
    }

    #[test]
    fn sgr_attributes_and_resets() {
        let s =
            clean(b"\x1b[1mB\x1b[2mD\x1b[22m\x1b[3mI\x1b[23m\x1b[4mU\x1b[24m\x1b[4:3mC\x1b[4:0mN");
        assert_eq!(s.text, "BDIUCN");
        let r = |i: usize| s.styles[i];
        assert!(r(0).bold && !r(0).dim);
        assert!(r(1).bold && r(1).dim);
        assert!(r(2).italic && !r(2).bold && !r(2).dim);
        assert!(r(3).underline && !r(3).italic);
        // Curly underline (`4:3`) is underline: U and C share one run; `4:0` ends it.
        assert_eq!(run_text(&s, &r(3)), "UC");
        assert_eq!(s.styles.len(), 4);
        // Airbyte's coloured level.
        let s = clean(b"[main]\t\x1b[1;31mERROR\x1b[0;39m\tmsg");
        assert_eq!(s.text, "[main]  ERROR   msg");
        assert_eq!(s.styles.len(), 1);
        assert_eq!(run_text(&s, &s.styles[0]), "ERROR");
        assert!(s.styles[0].bold);
        assert_eq!(s.styles[0].fg, Some(LogColor::Indexed(1)));
    }

    #[test]
    fn runs_merge_and_unsupported_attributes_are_not_kept() {
        let s = clean(b"\x1b[31ma\x1b[31mb\x1b[0m");
        assert_eq!(s.styles.len(), 1);
        assert_eq!((s.styles[0].start, s.styles[0].end), (0, 2));
        // Hidden, reverse, blink, strike: the text shows plainly.
        let s = clean(b"\x1b[8msecret\x1b[7mrev\x1b[5mblink\x1b[9mstrike");
        assert_eq!(s.text, "secretrevblinkstrike");
        assert!(s.styles.is_empty());
        // Out-of-range colours are consumed with their arguments, not misread as codes.
        let s = clean(b"\x1b[38;5;300;1mx");
        assert_eq!(s.styles[0].fg, None);
        assert!(s.styles[0].bold);
        let s = clean(b"\x1b[38;2;1;2;999;3mx");
        assert_eq!(s.styles[0].fg, None);
        assert!(s.styles[0].italic);
        // Private-marker and intermediate-byte `m` sequences are not SGR.
        let s = clean(b"\x1b[?31mx\x1b[>4;2my\x1b[31 mz");
        assert_eq!(s.text, "xyz");
        assert!(s.styles.is_empty());
    }

    #[test]
    fn the_output_cap_reports_what_it_read() {
        let s = sanitize("ab\x1b[31mcdé".as_bytes(), 4);
        assert_eq!(s.text, "abcd");
        assert_eq!(s.consumed, 9, "stops before é");
        let s = sanitize("abcé".as_bytes(), 4);
        assert_eq!(s.text, "abc", "never half a character");
        assert_eq!(s.consumed, 3);
        let s = sanitize(b"ab\tc", 4);
        assert_eq!(s.text, "ab  ");
        assert_eq!(s.consumed, 2);
    }

    #[test]
    fn random_bytes_come_out_inert_with_sound_runs() {
        // A fixed pseudo-random stream biased towards ESC, controls and sequence bytes.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        const ALPHABET: &[u8] = b"\x1b\x1b\x1b[[]];:0123456789mHJK?\x07\x08\r\t\n\0\x7f\x9b\x9c\xc2\xe2\x80\xae\\PX^_ abcz";
        for _ in 0..3000 {
            let len = (next() % 80) as usize;
            let raw: Vec<u8> = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect();
            let s = clean(&raw);
            assert_inert(&s.text);
            assert_eq!(s.consumed, raw.len());
            let mut last_end = 0;
            for r in &s.styles {
                assert!(r.start < r.end, "{raw:?}");
                assert!(r.start >= last_end, "runs are ordered and disjoint");
                assert!(s.text.is_char_boundary(r.start as usize));
                assert!(s.text.is_char_boundary(r.end as usize));
                assert!(r.end as usize <= s.text.len());
                last_end = r.end;
            }
        }
    }
}
