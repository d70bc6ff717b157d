//! The terminal session: raw mode and the alternate screen while the cockpit runs, and the
//! guarantee that the user's terminal comes back on every way out — quit, error, signal or
//! panic.

use std::io::{self, Stdout, stdout};
use std::sync::Once;

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type CockpitTerminal = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal; dropping it restores the terminal.
pub struct TerminalSession {
    pub terminal: CockpitTerminal,
}

impl TerminalSession {
    pub fn enter() -> io::Result<TerminalSession> {
        install_panic_hook();
        enable_raw_mode()?;
        let entered = execute!(stdout(), EnterAlternateScreen, Hide)
            .and_then(|()| Terminal::new(CrosstermBackend::new(stdout())));
        match entered {
            Ok(terminal) => Ok(TerminalSession { terminal }),
            Err(error) => {
                restore();
                Err(error)
            }
        }
    }
}

impl TerminalSession {
    /// Gives the terminal back as the shell had it, for another program (the operator's
    /// editor, a shell in a pod) to use.
    pub fn suspend(&mut self) {
        restore();
    }

    /// Takes the terminal again after `suspend`; the next frame is drawn whole (the screen
    /// holds the other program's output).
    pub fn resume(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        // Cleared by hand: ratatui's clear asks the terminal where the cursor is, which a
        // terminal still busy with the other program's output may not answer in time.
        execute!(
            stdout(),
            EnterAlternateScreen,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
            Hide
        )?;
        // Both buffers empty: the next frame is drawn whole.
        self.terminal.swap_buffers();
        self.terminal.swap_buffers();
        Ok(())
    }
}

impl Drop for TerminalSession {
    fn drop(&mut self) {
        restore();
    }
}

/// Best effort: on the way out there is nobody left to report a failure to.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), LeaveAlternateScreen, Show);
}

/// Restores the terminal before the panic message is printed, so the message is readable and
/// the shell usable. Then exits: a panic on a runtime worker would otherwise leave the
/// cockpit drawing into a terminal that is no longer in raw mode.
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
            std::process::exit(101);
        }));
    });
}
