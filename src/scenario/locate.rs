//! Finds the line and column of a JSON path in the source text, so that errors found after
//! parsing (semantic checks) can point at the offending value just as syntax errors do.
//!
//! The input has already been parsed successfully by serde_json, so this scanner can assume
//! well-formed JSON; on anything unexpected it gives up and returns `None`.

use super::error::{JsonPath, PathSegment};

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.src.len() && matches!(self.src[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    /// Reads a string literal at `pos` and returns its (unescaped for plain ASCII) content.
    fn string(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b'\\' => self.pos += 2,
                b'"' => {
                    let s = String::from_utf8_lossy(&self.src[start..self.pos]).into_owned();
                    self.pos += 1;
                    return Some(s);
                }
                _ => self.pos += 1,
            }
        }
        None
    }

    /// Skips one value of any kind.
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                while self.pos < self.src.len() {
                    match self.src[self.pos] {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
                None
            }
            _ => {
                while self.pos < self.src.len()
                    && !matches!(self.src[self.pos], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }

    /// Moves to the value of member `key` of the object at `pos`.
    fn enter_key(&mut self, key: &str) -> Option<()> {
        self.skip_ws();
        if self.peek()? != b'{' {
            return None;
        }
        self.pos += 1;
        loop {
            self.skip_ws();
            if self.peek()? == b'}' {
                return None;
            }
            let k = self.string()?;
            self.skip_ws();
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            self.skip_ws();
            if k == key {
                return Some(());
            }
            self.skip_value()?;
            self.skip_ws();
            if self.peek()? == b',' {
                self.pos += 1;
            }
        }
    }

    /// Moves to element `index` of the array at `pos`.
    fn enter_index(&mut self, index: usize) -> Option<()> {
        self.skip_ws();
        if self.peek()? != b'[' {
            return None;
        }
        self.pos += 1;
        for _ in 0..index {
            self.skip_value()?;
            self.skip_ws();
            if self.peek()? != b',' {
                return None;
            }
            self.pos += 1;
        }
        self.skip_ws();
        Some(())
    }
}

/// The 1-based (line, column) where the value at `path` starts. For a member that is missing,
/// the position of the closest enclosing value that exists.
pub fn locate(src: &str, path: &JsonPath) -> Option<(usize, usize)> {
    let mut sc = Scanner { src: src.as_bytes(), pos: 0 };
    sc.skip_ws();
    let mut last_good = sc.pos;
    for seg in &path.0 {
        let ok = match seg {
            PathSegment::Key(k) => sc.enter_key(k),
            PathSegment::Index(i) => sc.enter_index(*i),
        };
        if ok.is_none() {
            break;
        }
        last_good = sc.pos;
    }
    Some(line_col(src, last_good))
}

/// 1-based line and column (in characters) of byte offset `offset`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_members_and_elements() {
        let src = "{\n  \"a\": 1,\n  \"faults\": [\n    {\"x\": \"}\"},\n    {\"target\": \"nope\"}\n  ]\n}";
        let p = JsonPath::root().key("faults").index(1).key("target");
        assert_eq!(locate(src, &p), Some((5, 16)));
        assert_eq!(locate(src, &JsonPath::root().key("a")), Some((2, 8)));
    }

    #[test]
    fn missing_member_points_at_enclosing_object() {
        let src = "{\"serve\": {\"x\": 1}}";
        let p = JsonPath::root().key("serve").key("num_replicas");
        assert_eq!(locate(src, &p), Some((1, 11)));
    }
}
