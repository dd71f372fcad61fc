//! One TLS configuration per process, shared by every client's connection pool. It is what
//! reqwest builds for each client by itself (rustls with aws-lc-rs, the platform's verifier of
//! certificates, HTTP/1.1 offered by ALPN), made once: loading the platform's root
//! certificates takes milliseconds (a second under valgrind), and a thread that drives its own
//! calls gets a pool of its own ([`crate::dynamic::DynClient::with_own_connections`]). Each
//! client still gets a session cache of its own.

use std::sync::{Arc, Mutex};

use rustls::ClientConfig;
use rustls::client::Resumption;
use rustls::crypto::CryptoProvider;

use crate::Error;

/// The configuration made in this process (by its id), or why it could not be.
static MADE: Mutex<Option<(u32, Result<ClientConfig, String>)>> = Mutex::new(None);

/// A client's TLS configuration: the process's (made on first use, anew in a forked child),
/// with a session cache of the client's own, so that no lock is shared between clients, or
/// with a parent whose threads may hold it at the moment of a fork.
pub(crate) fn config() -> Result<ClientConfig, Error> {
    let pid = std::process::id();
    // Never waits: while another thread makes it (or held the lock when the parent forked),
    // this client makes one of its own.
    let made = match MADE.try_lock() {
        Ok(mut slot) => match slot.as_ref() {
            Some((owner, made)) if *owner == pid => made.clone(),
            _ => slot.insert((pid, build())).1.clone(),
        },
        Err(_) => build(),
    };
    let mut config = made.map_err(|message| Error::InvalidRequest { field: None, message })?;
    config.resumption = Resumption::default();
    Ok(config)
}

fn build() -> Result<ClientConfig, String> {
    make().map_err(|e| format!("cannot set up TLS: {e}"))
}

fn make() -> Result<ClientConfig, rustls::Error> {
    // A provider the program installed for the process comes first, as reqwest does.
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())?;
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous() // the platform's verifier, which checks certificates and host names
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // The clients speak HTTP/1.1 only (see the builder).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use rustls::{ServerConfig, ServerConnection};

    use super::*;

    /// A throwaway certificate for 127.0.0.1 that signs itself (made for this test only).
    const CERT: &[u8] = include_bytes!("../testdata/self-signed-cert.pem");
    const KEY: &[u8] = include_bytes!("../testdata/self-signed-key.pem");

    #[test]
    fn the_configuration_offers_http1_only() {
        let config = config().unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        assert!(config.enable_sni);
    }

    #[tokio::test]
    async fn a_certificate_that_no_platform_root_vouches_for_is_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut tcp, _) = listener.accept().unwrap();
            let certs = CertificateDer::pem_slice_iter(CERT).collect::<Result<Vec<_>, _>>().unwrap();
            let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let config = ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .unwrap();
            let mut connection = ServerConnection::new(Arc::new(config)).unwrap();
            // The client aborts the handshake when it sees the certificate.
            while connection.is_handshaking() {
                if connection.complete_io(&mut tcp).is_err() {
                    return false;
                }
            }
            true
        });
        let client = reqwest::Client::builder().tls_backend_preconfigured(config().unwrap()).build().unwrap();
        let error = client.get(format!("https://127.0.0.1:{port}/")).send().await.unwrap_err();
        // The platform verifier refused the certificate (whatever its reason).
        assert!(format!("{error:?}").contains("InvalidCertificate"), "{error:?}");
        assert!(!server.join().unwrap(), "the handshake did not complete");
    }
}
