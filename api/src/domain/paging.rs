//! Page numbers and sizes of list endpoints, bounded so an offset can never overflow.

use super::ValidationError;

/// Items per page when the client names none.
pub const DEFAULT_PER_PAGE: u64 = 20;
/// Largest page size.
pub const MAX_PER_PAGE: u64 = 100;
/// Highest page number: with the largest page size the offset stays under ten million,
/// far inside every integer type on the way to the database.
pub const MAX_PAGE: u64 = 100_000;

/// A valid 1-based page and page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    page: u64,
    per_page: u64,
}

impl Paging {
    /// `page` (default 1) must be 1 to [`MAX_PAGE`], `per_page` (default 20) 1 to
    /// [`MAX_PER_PAGE`]; the error names the field.
    pub fn parse(page: Option<u64>, per_page: Option<u64>) -> Result<Self, (&'static str, ValidationError)> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err((
                "page",
                ValidationError::new(format!("must be between 1 and {MAX_PAGE}")),
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err((
                "per_page",
                ValidationError::new(format!("must be between 1 and {MAX_PER_PAGE}")),
            ));
        }
        Ok(Self { page, per_page })
    }

    pub fn page(self) -> u64 {
        self.page
    }

    pub fn per_page(self) -> u64 {
        self.per_page
    }

    /// Rows to skip: at most `(MAX_PAGE - 1) × MAX_PER_PAGE`.
    pub fn offset(self) -> u64 {
        (self.page - 1) * self.per_page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        let p = Paging::parse(None, None).unwrap_or_else(|_| unreachable!());
        assert_eq!((p.page(), p.per_page(), p.offset()), (1, 20, 0));
        assert_eq!(Paging::parse(Some(0), None).map_err(|e| e.0), Err("page"));
        assert_eq!(
            Paging::parse(Some(MAX_PAGE + 1), None).map_err(|e| e.0),
            Err("page")
        );
        assert_eq!(
            Paging::parse(Some(461_168_601_842_738_792), None).map_err(|e| e.0),
            Err("page")
        );
        assert_eq!(Paging::parse(None, Some(0)).map_err(|e| e.0), Err("per_page"));
        assert_eq!(Paging::parse(None, Some(101)).map_err(|e| e.0), Err("per_page"));
        let last = Paging::parse(Some(MAX_PAGE), Some(MAX_PER_PAGE)).unwrap_or_else(|_| unreachable!());
        assert_eq!(last.offset(), 9_999_900);
    }
}
