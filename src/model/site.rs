//! The whole checked site: settings, releases, advisories and pages.

use crate::config::SiteConfig;
use crate::diagnostic::SourceName;

use super::advisory::Advisory;
use super::releases::Releases;
use super::theme::Theme;

/// A content page such as the security policy.
#[derive(Debug, Clone)]
pub struct Page {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    /// Markdown.
    pub body: String,
    pub file: SourceName,
}

/// Everything the renderers need, checked.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: SiteConfig,
    pub releases: Releases,
    /// Newest first (by publish time, then id).
    pub advisories: Vec<Advisory>,
    pub pages: Vec<Page>,
    pub theme: Theme,
}

impl Site {
    pub fn advisory(&self, id: &str) -> Option<&Advisory> {
        self.advisories.iter().find(|a| a.id.as_str() == id)
    }

    pub fn page(&self, slug: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.slug == slug)
    }

    /// Orders advisories newest first, ties by id, so every output lists them
    /// the same way.
    pub fn sort_advisories(advisories: &mut [Advisory]) {
        advisories.sort_by(|a, b| {
            b.published
                .at
                .cmp(&a.published.at)
                .then_with(|| a.id.cmp(&b.id))
        });
    }
}
