//! A company certificate authority made for the test run (rcgen), and one certificate it signed for
//! 127.0.0.1, which every https test instance serves.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::OnceLock;

use hallway::config::{Settings, TlsFiles};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};

pub struct CompanyCa {
    pub ca_file: PathBuf,
    pub ca_pem: String,
    cert: PathBuf,
    key: PathBuf,
}

static COMPANY_CA: OnceLock<CompanyCa> = OnceLock::new();

pub fn company_ca() -> &'static CompanyCa {
    COMPANY_CA.get_or_init(make)
}

/// The CA, when this test run made one: test clients trust it as the instances do.
pub fn made_ca() -> Option<&'static CompanyCa> {
    COMPANY_CA.get()
}

/// An instance on https with the CA's certificate, trusting the company CA.
pub fn https_trusting_the_company_ca(settings: &mut Settings) {
    https(settings);
    settings.ca_file = Some(company_ca().ca_file.clone());
}

/// An instance on https with the CA's certificate that was not told of the company CA.
pub fn https_without_the_company_ca(settings: &mut Settings) {
    https(settings);
    settings.ca_file = None;
}

fn https(settings: &mut Settings) {
    let ca = company_ca();
    settings.scheme = "https".into();
    settings.federation_allow_http = false;
    settings.tls = Some(TlsFiles { cert: ca.cert.clone(), key: ca.key.clone() });
}

fn make() -> CompanyCa {
    let dir = tempfile::tempdir().expect("temp dir").keep();
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "Corp Example Internal CA");
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");

    let key = KeyPair::generate().expect("server key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("server params");
    params.subject_alt_names.push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    params.distinguished_name.push(DnType::CommonName, "127.0.0.1");
    let cert = params.signed_by(&key, &ca, &ca_key).expect("server certificate");

    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write a PEM file");
        path
    };
    CompanyCa {
        ca_file: write("company-ca.pem", ca.pem()),
        ca_pem: ca.pem(),
        cert: write("server.pem", cert.pem()),
        key: write("server-key.pem", key.serialize_pem()),
    }
}
