//! Table cells of HTML and DOCX: a task table's cell of several paragraphs
//! (`<td><p>…</p><p>…</p></td>`, a Word cell with paragraphs) becomes one line, so a row
//! stays one line with its 牵头单位 / 配合单位 cells when the table reader splits it at tabs.

/// An open table while converting: the cells read so far, to join each data cell's
/// paragraphs when the table closes.
#[derive(Default)]
pub struct CellTable {
    /// Closed cells: `[start, end)` byte ranges of `out`, and whether a table is nested.
    cells: Vec<(usize, usize, bool)>,
    /// The open cell: where it starts, whether a table is nested in it.
    open: Option<(usize, bool)>,
    row_cells: usize,
    /// Rows with two or more cells.
    data_rows: usize,
    /// A cell names a task-table column (序号, 牵头单位, 配合单位, 责任单位 …).
    task_header: bool,
}

/// Column names of a task table; only such a table has its cells' paragraphs joined.
const TASK_COLUMNS: &[&str] = &[
    "序号",
    "编号",
    "牵头",
    "配合",
    "责任单位",
    "责任部门",
    "协办",
];

/// The longest cell (in chars) whose paragraphs are joined into one line.
const MAX_FLAT_CELL: usize = 2000;

impl CellTable {
    /// A cell starts at byte `at` of the output.
    pub fn open_cell(&mut self, at: usize) {
        self.open = Some((at, false));
        self.row_cells += 1;
    }

    /// The open cell holds a table of its own.
    pub fn mark_nested(&mut self) {
        if let Some((_, nested)) = self.open.as_mut() {
            *nested = true;
        }
    }

    /// Closes the open cell (recording it) and writes the cell separator; whether one was
    /// open.
    pub fn close_cell(&mut self, out: &mut String) -> bool {
        match self.open.take() {
            Some((start, nested)) => {
                let start = start.min(out.len());
                let text = &out[start..];
                if !self.task_header && text.len() <= 60 {
                    // On the normalised view: 序號 / 牽頭單位 in Traditional script.
                    let name: String = text
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .map(crate::text::norm_char)
                        .collect();
                    self.task_header = TASK_COLUMNS.iter().any(|w| name.contains(w));
                }
                self.cells.push((start, out.len(), nested));
                out.push('\t');
                true
            }
            None => false,
        }
    }

    pub fn end_row(&mut self) {
        if self.row_cells >= 2 {
            self.data_rows += 1;
        }
        self.row_cells = 0;
    }

    /// A task table (two or more rows of two or more cells, a cell naming a task column
    /// such as 序号 or 牵头单位): each cell's paragraphs (`<td><p>…</p><p>…</p></td>`, a Word cell of several paragraphs)
    /// become one line joined by spaces, so a row stays one line with its unit columns. A
    /// layout table (one row holding the article and a sidebar), a metadata table
    /// (索引号 / 内容) and cells holding a table of their own keep their lines.
    pub fn finish(mut self, out: &mut String) {
        self.close_cell(out);
        self.end_row();
        if self.data_rows < 2 || !self.task_header {
            return;
        }
        for &(start, end, nested) in self.cells.iter().rev() {
            if nested || end > out.len() || start > end {
                continue;
            }
            let content = &out[start..end];
            if !content.contains('\n') || content.chars().count() > MAX_FLAT_CELL {
                continue;
            }
            let flat = content
                .split(['\n', '\t', ' '])
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            out.replace_range(start..end, &flat);
        }
    }
}
