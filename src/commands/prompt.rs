//! Questions a headless command asks on the terminal: a line (a confirmation, a username) and a
//! password read without echo. Callers only ask when stdin is a terminal.

use std::io::{BufRead, Write};

use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
use crossterm::terminal::{disable_raw_mode, enable_raw_mode};

use super::CommandError;

/// Puts `question` on stderr and reads one line of answer, trimmed.
pub fn ask(question: &str) -> Result<String, CommandError> {
    eprint!("{question} ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CommandError::Target(format!("cannot read the answer: {e}")))?;
    Ok(answer.trim().to_string())
}

/// Puts `question` on stderr and reads a password without showing it. Ctrl-C or Esc cancel.
pub fn ask_secret(question: &str) -> Result<String, CommandError> {
    eprint!("{question} ");
    let _ = std::io::stderr().flush();
    let unreadable =
        |e: std::io::Error| CommandError::Target(format!("cannot read the answer: {e}"));
    enable_raw_mode().map_err(unreadable)?;
    // Raw mode is left whatever happens below, so the shell is never left without echo.
    let typed = read_hidden();
    let _ = disable_raw_mode();
    eprintln!();
    typed
        .map_err(unreadable)?
        .ok_or_else(|| CommandError::Target("cancelled: nothing was changed".into()))
}

/// Keys until Enter; `None` when cancelled.
fn read_hidden() -> std::io::Result<Option<String>> {
    let mut typed = String::new();
    loop {
        let Event::Key(key) = read()? else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        match key.code {
            KeyCode::Enter => return Ok(Some(typed)),
            KeyCode::Esc => return Ok(None),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => return Ok(None),
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(c) => typed.push(c),
            _ => {}
        }
    }
}
