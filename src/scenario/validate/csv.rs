//! A column of numbers read from a CSV file that a scenario names (an empirical distribution's
//! intervals, a traffic shape's rates): one number per line, an optional header on the first
//! line, an optional trailing comma. Every error names the file and, for a bad line, its number.

use std::path::Path;

use super::d;
use crate::scenario::show;

/// What a column holds and the rules of its numbers.
pub(super) struct Column<'a> {
    /// One number, in messages (`interval`, `rate`): "expected at most 5 intervals".
    pub noun: &'static str,
    /// Most numbers.
    pub max: usize,
    /// True when each line stands for its place (a minute): a blank line between numbers is an
    /// error; otherwise blank lines are skipped.
    pub blank_is_error: bool,
    /// The rule of one number: `Err` says what was expected ("expected a positive interval").
    pub check: &'a dyn Fn(f64) -> Result<(), String>,
}

/// The numbers of the CSV file `csv` (relative to `base_dir`) under the rules of `column`.
pub(super) fn read(base_dir: &Path, csv: &str, column: &Column) -> Result<Vec<f64>, String> {
    let file = base_dir.join(csv);
    let shown = file.display();
    let size = std::fs::metadata(&file).map_err(|e| format!("cannot read {shown}: {e}"))?.len();
    if size > d::MAX_CSV_BYTES {
        return Err(format!("{shown}: expected at most {} bytes, found {size}", d::MAX_CSV_BYTES));
    }
    let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut values = Vec::new();
    let mut blank = None;
    for (i, line) in text.lines().enumerate() {
        let cell = line.trim().trim_end_matches(',').trim();
        if cell.is_empty() {
            blank = blank.or(Some(i + 1));
            continue;
        }
        if let Some(b) = blank.filter(|_| column.blank_is_error && !values.is_empty()) {
            return Err(format!("{shown}:{b}: expected a {}, found an empty line", column.noun));
        }
        blank = None;
        let v = match cell.parse::<f64>() {
            Ok(v) => v,
            Err(_) if i == 0 => continue, // a header
            Err(_) => return Err(format!("{shown}:{}: expected a number, found {}", i + 1, show::text(cell))),
        };
        (column.check)(v).map_err(|e| format!("{shown}:{}: {e}, found {}", i + 1, show::num(v)))?;
        values.push(v);
        if values.len() > column.max {
            return Err(format!("{shown}: expected at most {} {}s", column.max, column.noun));
        }
    }
    if values.is_empty() {
        return Err(format!("{shown}: expected at least one {}, found none", column.noun));
    }
    Ok(values)
}
