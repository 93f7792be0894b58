//! `/.well-known/security.txt` (RFC 9116): where to report, until when the
//! file holds, and where the policy, acknowledgments and CSAF provider
//! metadata live; clear-signed when the site has a signing key.

use jiff::{SignedDuration, Timestamp};

use super::paths::{self, absolute_url};
use super::{Output, RenderContext, RenderError, Target};
use crate::config::SiteConfig;

pub struct SecurityTxt;

impl Target for SecurityTxt {
    fn name(&self) -> &'static str {
        "security.txt"
    }

    fn claims(&self, path: &str) -> bool {
        path == paths::SECURITY_TXT
    }

    fn render(&self, ctx: &RenderContext<'_>) -> Result<Vec<Output>, RenderError> {
        let text = security_txt(&ctx.public.site.config, ctx.now)?;
        // The key that checks the signature is published by the CSAF target,
        // at `paths::openpgp_public_key`, beside the documents it also signs.
        let bytes = match ctx.signer {
            Some(signer) => signer.clearsign(&text)?,
            None => text,
        };
        Ok(vec![Output::new(paths::SECURITY_TXT, bytes)])
    }
}

/// When a security.txt built at `now` stops being valid: the date by which
/// the site must be built again.
pub fn expires_at(config: &SiteConfig, now: Timestamp) -> Result<Timestamp, RenderError> {
    let days = i64::from(config.security_txt.expires_days);
    now.checked_add(SignedDuration::from_hours(24 * days))
        .map_err(|e| RenderError {
            target: "security.txt",
            message: format!("Expires is out of range: {e}"),
        })
}

/// The unsigned file, fields in the order RFC 9116 lists them, one line each.
pub fn security_txt(config: &SiteConfig, now: Timestamp) -> Result<String, RenderError> {
    let st = &config.security_txt;
    let mut fields: Vec<(&str, String)> = Vec::new();
    for contact in &st.contact {
        fields.push(("Contact", contact.clone()));
    }
    fields.push(("Expires", paths::utc_timestamp(expires_at(config, now)?)));
    if let Some(key) = &st.encryption {
        fields.push(("Encryption", key.clone()));
    }
    fields.push(("Acknowledgments", absolute_url(config, paths::THANKS_PAGE)));
    fields.push(("Canonical", absolute_url(config, paths::SECURITY_TXT)));
    let policy = st
        .policy
        .clone()
        .unwrap_or_else(|| absolute_url(config, paths::POLICY_PAGE));
    fields.push(("Policy", policy));
    if !st.preferred_languages.is_empty() {
        fields.push(("Preferred-Languages", st.preferred_languages.join(", ")));
    }
    if let Some(hiring) = &st.hiring {
        fields.push(("Hiring", hiring.clone()));
    }
    // CSAF 2.0 requirement 7.1.8: security.txt names the provider metadata.
    fields.push(("CSAF", absolute_url(config, paths::CSAF_PROVIDER_METADATA)));

    let mut text = format!(
        "# How to report a security problem in {} (RFC 9116)\n",
        config.project.name
    );
    for (name, value) in fields {
        // `check` rejects blanks in these URIs; a line break getting through
        // would forge a field of its own.
        if value.contains(['\n', '\r']) {
            return Err(RenderError {
                target: "security.txt",
                message: format!(
                    "{name} value `{}` contains a line break",
                    value.escape_debug()
                ),
            });
        }
        text.push_str(name);
        text.push_str(": ");
        text.push_str(&value);
        text.push('\n');
    }
    Ok(text)
}
