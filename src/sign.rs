//! OpenPGP signing: the site's secret key, loaded once before rendering, as
//! the [`Signer`] that security.txt and the CSAF `.asc` files use.
//!
//! Signatures must not change between two builds of the same inputs, so
//! every signature is made at the build clock (never the wall clock) and
//! carries no random bytes: v4 signatures have no salt and EdDSA and RSA
//! PKCS#1 v1.5 are deterministic; for v6 keys the salt RFC 9580 requires is
//! derived from the key and the signed data.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, Deserializable, DetachedSignature, KeyType,
    SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{SignatureConfig, SignatureType, Subpacket, SubpacketData};
use pgp::types::{KeyDetails, KeyVersion, Password, SigningKey, Timestamp as PgpTimestamp};
use rand::SeedableRng as _;

use crate::render::{RenderError, Signer};

/// The largest key file read; an armored key is a few kilobytes.
pub const MAX_KEY_BYTES: u64 = 1024 * 1024;

/// Where the signing key's path came from, which decides the exit code of a
/// bad key: a file named in site.toml is part of the site's content, one
/// given on the command line or in the environment is a usage error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    SiteConfig,
    Override,
}

/// Why the signing key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: cannot read the signing key: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a usable OpenPGP secret key: {message}")]
    Invalid {
        path: PathBuf,
        from: KeySource,
        message: String,
    },
}

impl KeyError {
    /// A bad key named by site.toml is a content error (exit 1); everything
    /// else is a usage or I/O error (exit 2).
    pub fn is_content_error(&self) -> bool {
        matches!(
            self,
            KeyError::Invalid {
                from: KeySource::SiteConfig,
                ..
            }
        )
    }
}

/// Which key file to use and how to unlock it.
#[derive(Clone, Default)]
pub struct KeySettings {
    /// Overrides `signing_key` in site.toml (from `--signing-key` or
    /// `DISCLOSE_SIGNING_KEY`).
    pub path_override: Option<PathBuf>,
    /// Unlocks a passphrase-protected key.
    pub passphrase: Option<String>,
}

// The passphrase must never reach a log or an error message.
impl std::fmt::Debug for KeySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySettings")
            .field("path_override", &self.path_override)
            .field("passphrase", &self.passphrase.as_ref().map(|_| "***"))
            .finish()
    }
}

impl KeySettings {
    /// The key file to use: the override, else site.toml's path under `root`.
    pub fn resolve(&self, root: &Path, configured: Option<&str>) -> Option<(PathBuf, KeySource)> {
        match (&self.path_override, configured) {
            (Some(p), _) => Some((p.clone(), KeySource::Override)),
            (None, Some(rel)) => Some((root.join(rel), KeySource::SiteConfig)),
            (None, None) => None,
        }
    }
}

/// Reads and unlocks the key at `path` for signing at `now`.
pub fn load_key(
    path: &Path,
    from: KeySource,
    passphrase: Option<&str>,
    now: jiff::Timestamp,
) -> Result<OpenPgpKey, KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut text = String::new();
    file.take(MAX_KEY_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    let invalid = |message: String| KeyError::Invalid {
        path: path.to_path_buf(),
        from,
        message,
    };
    if text.len() as u64 > MAX_KEY_BYTES {
        return Err(invalid(format!(
            "larger than {MAX_KEY_BYTES} bytes; an armored key is a few kilobytes"
        )));
    }
    OpenPgpKey::from_armored(&text, passphrase, now).map_err(invalid)
}

/// An unlocked OpenPGP secret key that signs at one fixed time.
pub struct OpenPgpKey {
    key: SignedSecretKey,
    password: Password,
    /// The signature creation time: the build clock.
    at: PgpTimestamp,
    /// Made once at load, so that a key that cannot be exported fails there.
    public_armored: String,
}

impl std::fmt::Debug for OpenPgpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenPgpKey")
            .field("fingerprint", &self.fingerprint())
            .field("at", &self.at.as_secs())
            .finish()
    }
}

impl OpenPgpKey {
    /// Parses an ASCII-armored secret key and checks that it can sign at `now`
    /// with `passphrase` (none for an unprotected key).
    pub fn from_armored(
        armored: &str,
        passphrase: Option<&str>,
        now: jiff::Timestamp,
    ) -> Result<Self, String> {
        let (key, _) = SignedSecretKey::from_string(armored)
            .map_err(|e| format!("cannot parse it as an armored secret key ({e})"))?;
        key.verify_bindings()
            .map_err(|e| format!("its self-signatures do not verify ({e})"))?;
        let at = pgp_time(now)?;
        let created = key.primary_key.created_at();
        if created.as_secs() > at.as_secs() {
            return Err(format!(
                "it was created at {}, after the build clock {now}; OpenPGP verifiers reject a signature older than its key",
                jiff::Timestamp::from_second(i64::from(created.as_secs()))
                    .map_or_else(|_| created.as_secs().to_string(), |t| t.to_string())
            ));
        }
        let public_armored = key
            .to_public_key()
            .to_armored_string(ArmorOptions::default())
            .map(end_line)
            .map_err(|e| format!("cannot export its public key ({e})"))?;
        let signer = OpenPgpKey {
            public_armored,
            key,
            password: passphrase
                .map(Password::from)
                .unwrap_or_else(Password::empty),
            at,
        };
        // A wrong passphrase or an unsupported algorithm shows here, before
        // any target runs, rather than halfway through rendering.
        signer.detached(b"").map_err(|e| match passphrase {
            Some(_) => format!("cannot sign with it; is DISCLOSE_SIGNING_KEY_PASSPHRASE right? ({e})"),
            None => format!(
                "cannot sign with it; if it is passphrase-protected, set DISCLOSE_SIGNING_KEY_PASSPHRASE ({e})"
            ),
        })?;
        Ok(signer)
    }

    /// The hashed subpackets say who signed and when; the unhashed issuer key
    /// id is what older verifiers (gpgv) look the key up by.
    fn config(&self, typ: SignatureType, data: &[u8]) -> pgp::errors::Result<SignatureConfig> {
        let key = &self.key.primary_key;
        let hash = signing_hash(key.hash_alg());
        let mut config = match key.version() {
            KeyVersion::V6 => {
                let salt_len = hash.salt_len().unwrap_or(32);
                let mut seed = self.key.fingerprint().as_bytes().to_vec();
                seed.push(u8::from(typ));
                seed.extend_from_slice(data);
                let mut salt = HashAlgorithm::Sha512.digest(&seed)?;
                salt.truncate(salt_len);
                SignatureConfig::v6_with_salt(typ, key.algorithm(), hash, salt)
            }
            _ => SignatureConfig::v4(typ, key.algorithm(), hash),
        };
        config.hashed_subpackets = vec![
            Subpacket::regular(SubpacketData::SignatureCreationTime(self.at))?,
            Subpacket::regular(SubpacketData::IssuerFingerprint(key.fingerprint()))?,
        ];
        if key.version() <= KeyVersion::V4 {
            config.unhashed_subpackets = vec![Subpacket::regular(SubpacketData::IssuerKeyId(
                key.legacy_key_id(),
            ))?];
        }
        Ok(config)
    }

    fn detached(&self, data: &[u8]) -> pgp::errors::Result<String> {
        let config = self.config(SignatureType::Binary, data)?;
        let sig = config.sign(&self.key.primary_key, &self.password, data)?;
        DetachedSignature::new(sig)
            .to_armored_string(ArmorOptions::default())
            .map(end_line)
    }

    fn cleartext(&self, text: &str) -> pgp::errors::Result<String> {
        // Trailing blanks are not part of a cleartext signature (RFC 9580
        // §7.2); dropping them first keeps what is shown and what is signed
        // the same text.
        let text = trim_line_ends(text);
        let config = self.config(SignatureType::Text, text.as_bytes())?;
        let msg =
            CleartextSignedMessage::new(&text, config, &self.key.primary_key, &self.password)?;
        msg.to_armored_string(ArmorOptions::default()).map(end_line)
    }
}

impl Signer for OpenPgpKey {
    fn fingerprint(&self) -> String {
        format!("{:X}", self.key.fingerprint())
    }

    fn public_key_armored(&self) -> String {
        self.public_armored.clone()
    }

    fn sign_detached(&self, data: &[u8]) -> Result<String, RenderError> {
        self.detached(data).map_err(sign_error)
    }

    fn clearsign(&self, text: &str) -> Result<String, RenderError> {
        self.cleartext(text).map_err(sign_error)
    }
}

fn sign_error(e: pgp::errors::Error) -> RenderError {
    RenderError {
        target: "openpgp",
        message: format!("signing failed: {e}"),
    }
}

/// Keys from old tools may ask for SHA-1 or shorter hashes, which current
/// verifiers reject; SHA-256 is the floor.
fn signing_hash(preferred: HashAlgorithm) -> HashAlgorithm {
    match preferred {
        HashAlgorithm::Sha256
        | HashAlgorithm::Sha384
        | HashAlgorithm::Sha512
        | HashAlgorithm::Sha3_256
        | HashAlgorithm::Sha3_512 => preferred,
        _ => HashAlgorithm::Sha256,
    }
}

/// The armor writer stops after the `-----END …-----` line; a text file
/// ends with a line break.
fn end_line(mut armored: String) -> String {
    if !armored.ends_with('\n') {
        armored.push('\n');
    }
    armored
}

fn trim_line_ends(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (content, end) = match line.strip_suffix("\r\n") {
            Some(c) => (c, "\r\n"),
            None => match line.strip_suffix('\n') {
                Some(c) => (c, "\n"),
                None => (line, ""),
            },
        };
        out.push_str(content.trim_end_matches([' ', '\t']));
        out.push_str(end);
    }
    out
}

fn pgp_time(t: jiff::Timestamp) -> Result<PgpTimestamp, String> {
    u32::try_from(t.as_second())
        .map(PgpTimestamp::from_secs)
        .map_err(|_| format!("the build clock {t} is outside OpenPGP's time range (1970–2106)"))
}

/// Makes a new Ed25519 secret key that can certify and sign, ASCII-armored
/// and protected by `passphrase` when one is given. `created` is its
/// creation time: it must not be later than any build clock the key will
/// sign at. The key material comes from `seed`, so tests can make the same
/// key again.
pub fn generate_key(
    user_id: &str,
    created: jiff::Timestamp,
    seed: [u8; 32],
    passphrase: Option<&str>,
) -> Result<String, String> {
    let created = pgp_time(created)?;
    let params = SecretKeyParamsBuilder::default()
        .passphrase(passphrase.map(str::to_string))
        // EdDSA in its RFC 4880bis encoding: GnuPG 2.2 and 2.4 verify it,
        // which they do not for RFC 9580's Ed25519 algorithm.
        .key_type(KeyType::Ed25519Legacy)
        .can_certify(true)
        .can_sign(true)
        .primary_user_id(user_id.into())
        .created_at(created)
        .build()
        .map_err(|e| format!("key parameters: {e}"))?;
    let rng = rand::rngs::StdRng::from_seed(seed);
    let key = params
        .generate(rng)
        .map_err(|e| format!("key generation: {e}"))?;
    key.to_armored_string(ArmorOptions::default())
        .map_err(|e| format!("armoring the key: {e}"))
}

/// Checks a detached armored signature of `data` against an armored public key.
pub fn verify_detached(public_key: &str, data: &[u8], signature: &str) -> Result<(), String> {
    let (key, _) = SignedPublicKey::from_string(public_key).map_err(|e| e.to_string())?;
    let (sig, _) = DetachedSignature::from_string(signature).map_err(|e| e.to_string())?;
    sig.verify(&key, data).map_err(|e| e.to_string())
}

/// Checks a cleartext-signed message against an armored public key and
/// returns the text that was signed (lines ending in CR LF).
pub fn verify_cleartext(public_key: &str, message: &str) -> Result<String, String> {
    let (key, _) = SignedPublicKey::from_string(public_key).map_err(|e| e.to_string())?;
    let (msg, _) = CleartextSignedMessage::from_string(message).map_err(|e| e.to_string())?;
    msg.verify(&key).map_err(|e| e.to_string())?;
    Ok(msg.signed_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_blanks_are_dropped_per_line() {
        assert_eq!(trim_line_ends("a  \nb\t\r\nc "), "a\nb\r\nc");
    }

    #[test]
    fn weak_hashes_are_raised_to_sha256() {
        assert_eq!(signing_hash(HashAlgorithm::Sha1), HashAlgorithm::Sha256);
        assert_eq!(signing_hash(HashAlgorithm::Sha512), HashAlgorithm::Sha512);
    }

    #[test]
    fn clocks_outside_openpgp_time_are_refused() {
        let before_1970: jiff::Timestamp = "1969-12-31T23:59:59Z".parse().unwrap();
        assert!(pgp_time(before_1970).is_err());
    }
}
