//! What outgoing TLS connections trust (federation, push, the directory): the operating system's store,
//! which division IT already keeps, plus the company's CA from `tls.ca_file`.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::config::Settings;

/// The certificates of a PEM file; an error names what is wrong with it.
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let certificates = rustls_pemfile::certs(&mut std::io::BufReader::new(file))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{} is not a PEM file: {e}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{} holds no certificate", path.display()));
    }
    Ok(certificates)
}

/// The client side of TLS for every outgoing connection.
pub fn client_config(settings: &Settings) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        log::warn!("tls: reading the system's certificates: {error}");
    }
    let (added, _ignored) = roots.add_parsable_certificates(native.certs);
    if let Some(path) = &settings.ca_file {
        match read_certificates(path) {
            Ok(company) => {
                let (company_added, ignored) = roots.add_parsable_certificates(company);
                if ignored > 0 {
                    log::warn!("tls: {ignored} certificates of {} are not usable as trust anchors", path.display());
                }
                log::info!("tls: trusting {company_added} certificates of {} and {added} of the system", path.display());
            }
            Err(why) => log::error!("tls.ca_file: {why}"),
        }
    }
    if roots.is_empty() {
        log::warn!("tls: no trusted certificates (no system store, no tls.ca_file): https peers cannot be reached");
    }
    // Other clients in the process (reqwest's default, in tests and the benchmark) need a provider too.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}
