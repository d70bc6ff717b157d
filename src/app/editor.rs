//! The operator's own editor (`$VISUAL`, else `$EDITOR`) for an object's YAML: the command
//! split on whitespace and run without a shell, on a private temporary file (0600) that is
//! removed after. The terminal is handed over by the runtime around it.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// The editor to run: `$VISUAL` before `$EDITOR` (as git and kubectl pick), split on
/// whitespace (`code --wait` works; quoting is not interpreted: no shell is involved).
/// `None` when neither is set to something: the built-in editor is used.
pub fn editor_command(visual: Option<String>, editor: Option<String>) -> Option<Vec<String>> {
    [visual, editor].into_iter().flatten().find_map(|value| {
        let words: Vec<String> = value.split_whitespace().map(str::to_string).collect();
        (!words.is_empty()).then_some(words)
    })
}

/// The editor named by the environment now.
pub fn from_env() -> Option<Vec<String>> {
    editor_command(std::env::var("VISUAL").ok(), std::env::var("EDITOR").ok())
}

/// A temporary file only the operator can read (an object's YAML may say more than it
/// should to other users of a shared bastion); removed when dropped.
struct PrivateFile(PathBuf);

impl PrivateFile {
    fn create(text: &str) -> std::io::Result<PrivateFile> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path =
            std::env::temp_dir().join(format!("strata-edit-{}-{nanos}.yaml", std::process::id()));
        let mut file = options.open(&path)?;
        let file_made = PrivateFile(path);
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        Ok(file_made)
    }
}

impl Drop for PrivateFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `command FILE` on `text` and returns the file as the editor left it. Blocking: the
/// caller has handed the terminal over. An editor that fails (exit code not 0) is taken as
/// "abandoned" (vim's `:cq`), as git does.
pub fn edit(command: &[String], text: &str) -> Result<String, String> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| "no editor named in $VISUAL or $EDITOR".to_string())?;
    let file = PrivateFile::create(text)
        .map_err(|e| format!("cannot write the temporary file to edit: {e}"))?;
    let status = Command::new(program)
        .args(args)
        .arg(&file.0)
        .status()
        .map_err(|e| format!("cannot run the editor {program}: {e} (check $VISUAL / $EDITOR)"))?;
    if !status.success() {
        return Err(format!(
            "the editor {program} ended with {status}: the edit was abandoned, nothing sent"
        ));
    }
    std::fs::read_to_string(&file.0).map_err(|e| format!("cannot read the edited file back: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visual_wins_then_editor_split_on_whitespace() {
        let s = |t: &str| Some(t.to_string());
        assert_eq!(
            editor_command(s("code --wait"), s("vi")),
            Some(vec!["code".to_string(), "--wait".to_string()])
        );
        assert_eq!(
            editor_command(s("  "), s("vi")),
            Some(vec!["vi".to_string()])
        );
        assert_eq!(editor_command(None, None), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_editor_runs_on_a_private_file_without_a_shell_and_it_is_removed_after() {
        let dir = std::env::temp_dir().join(format!("strata-editor-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("fake-editor");
        // Records the file's mode and path, then rewrites it.
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nstat -c %a \"$2\" > {0}/mode\necho \"$2\" > {0}/path\nprintf 'edited by %s\\n' \"$1\" > \"$2\"\n",
                dir.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        // "a;b" would be two commands in a shell; here it is one argument.
        let command = vec![script.display().to_string(), "a;b".to_string()];
        let edited = edit(&command, "kind: ConfigMap\n").unwrap();
        assert_eq!(edited, "edited by a;b\n");
        let mode = std::fs::read_to_string(dir.join("mode")).unwrap();
        assert_eq!(mode.trim(), "600");
        let path = std::fs::read_to_string(dir.join("path")).unwrap();
        assert!(!std::path::Path::new(path.trim()).exists(), "{path}");
        // A failing editor abandons the edit.
        let failing = vec!["false".to_string()];
        assert!(edit(&failing, "x").unwrap_err().contains("abandoned"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
