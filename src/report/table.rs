//! `show`'s table: checkpointctl's columns, padded like Go's tabwriter with
//! three spaces between columns and a rule of dashes under each heading.

use std::io::{self, Write};

use crate::report::model::{ArchiveReport, ContainerReport};
use crate::report::style;
use crate::report::units::iec;

const GAP: usize = 3;

/// Write the table of every container of `reports`.
///
/// With one archive a line names it first, as checkpointctl does. The
/// `ROOT FS DIFF SIZE` column is shown only when some container has a root
/// fs diff, again as checkpointctl does for one archive.
pub fn write(out: &mut dyn Write, reports: &[ArchiveReport]) -> io::Result<()> {
    if let [single] = reports {
        writeln!(
            out,
            "\nDisplaying container checkpoint data from {}\n",
            single.archive
        )?;
    }
    let containers: Vec<&ContainerReport> = reports.iter().flat_map(|r| &r.containers).collect();
    let with_diff = containers
        .iter()
        .any(|c| c.checkpoint_size.root_fs_diff_size.is_some_and(|s| s > 0));

    let mut header = vec![
        "CONTAINER",
        "IMAGE",
        "ID",
        "RUNTIME",
        "CREATED",
        "ENGINE",
        "CHKPT SIZE",
    ];
    if with_diff {
        header.push("ROOT FS DIFF SIZE");
    }
    let mut rows: Vec<Vec<String>> = vec![
        header.iter().map(|h| h.to_string()).collect(),
        header.iter().map(|h| "-".repeat(h.len())).collect(),
    ];
    for c in containers {
        let mut row = vec![
            or_dash(&c.container_name),
            or_dash(&c.image),
            or_dash(short_id(&c.id)),
            or_dash(&c.runtime),
            or_dash(&c.created),
            or_dash(&c.engine),
            size(c.checkpoint_size.total_size),
        ];
        if with_diff {
            row.push(size(c.checkpoint_size.root_fs_diff_size));
        }
        rows.push(row);
    }
    write_aligned(out, &rows)
}

/// Pad every column but the last to its widest cell plus three spaces.
pub fn write_aligned(out: &mut dyn Write, rows: &[Vec<String>]) -> io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (n, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - cell.chars().count() + GAP;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        // The first row holds the column heads.
        let line = if n == 0 {
            style::bold(&line)
        } else {
            line.into()
        };
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The first 12 characters of an ID, as container tools abbreviate it.
pub fn short_id(id: &str) -> &str {
    id.char_indices().nth(12).map_or(id, |(i, _)| &id[..i])
}

fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".to_string()
    } else {
        text.to_string()
    }
}

fn size(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "-".to_string(), iec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_like_tabwriter() {
        let rows = vec![
            vec!["A".to_string(), "BB".to_string(), "C".to_string()],
            vec!["long".to_string(), "x".to_string(), "last".to_string()],
        ];
        let mut out = Vec::new();
        write_aligned(&mut out, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "A      BB   C\nlong   x    last\n"
        );
    }

    #[test]
    fn short_id_takes_twelve_characters() {
        assert_eq!(short_id("b520bd9f82ef58b69773"), "b520bd9f82ef");
        assert_eq!(short_id("abc"), "abc");
    }
}
