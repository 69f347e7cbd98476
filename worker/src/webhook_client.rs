//! The HTTP client partner webhooks go out on: bounded time, no redirects (a redirect
//! could lead to a private address), no proxy, and — unless the settings allow private
//! targets — a resolver that only hands out public addresses, so the address checked
//! is the address connected to (no window for DNS rebinding between check and use).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use api::config::WebhookSettings;
use api::services::webhooks::is_private;

/// Builds the client for `settings`.
pub fn build(settings: &WebhookSettings) -> anyhow::Result<reqwest::Client> {
    let mut client = reqwest::Client::builder()
        .timeout(Duration::from_secs(settings.timeout_secs))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Rehearse-Webhooks/", env!("CARGO_PKG_VERSION")))
        .no_proxy();
    if !settings.allow_private_targets {
        client = client.dns_resolver(Arc::new(PublicOnlyResolver));
    }
    client.build().context("cannot build the webhook client")
}

/// Resolves webhook hosts and drops private addresses.
#[derive(Debug, Default)]
pub struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| !is_private(address.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address; deliveries there are not allowed").into());
            }
            let addresses: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addresses)
        })
    }
}

/// A target in our own network, refused.
#[derive(Debug, thiserror::Error)]
#[error("{0} is a private address; deliveries there are not allowed")]
pub struct PrivateTarget(pub IpAddr);

/// Refuses an IP-literal target in our own network (names are filtered by the
/// resolver), unless the settings allow private targets.
pub fn check_literal(url: &url::Url, allow_private: bool) -> Result<(), PrivateTarget> {
    let literal = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    if !allow_private && is_private(literal) {
        return Err(PrivateTarget(literal));
    }
    Ok(())
}

/// What a partner is told about a failed delivery: a short class, never the inner error,
/// which can carry a certificate's host names, internal addresses or resolver details.
pub fn classify(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        return "timeout";
    }
    if error.is_redirect() {
        return "redirect refused";
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut text = String::new();
    while let Some(current) = cause {
        if current.downcast_ref::<rustls::Error>().is_some() {
            return "TLS error";
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
            {
                return "TLS error";
            }
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused",
                std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
                | std::io::ErrorKind::UnexpectedEof => return "connection reset",
                std::io::ErrorKind::TimedOut => return "timeout",
                _ => {}
            }
        }
        text.push_str(&current.to_string().to_lowercase());
        text.push('\n');
        cause = current.source();
    }
    if text.contains("no public address") {
        "private address refused"
    } else if text.contains("dns error") || text.contains("failed to lookup") || text.contains("resolve") {
        "DNS error"
    } else if text.contains("tls") || text.contains("certificate") || text.contains("handshake") {
        "TLS error"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "response error"
    } else {
        "request failed"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use reqwest::dns::Resolve;

    use super::*;

    #[tokio::test]
    async fn names_that_resolve_only_to_private_addresses_are_not_resolved() {
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let refused = PublicOnlyResolver
            .resolve(name)
            .await
            .err()
            .expect("localhost is refused");
        assert!(refused.to_string().contains("no public address"), "{refused}");
    }

    #[test]
    fn private_literals_are_refused_unless_allowed() {
        let literal = url::Url::parse("https://10.0.0.1/hooks").unwrap();
        assert_eq!(
            check_literal(&literal, false).unwrap_err().0,
            IpAddr::from([10, 0, 0, 1])
        );
        assert!(check_literal(&literal, true).is_ok());
        let v6 = url::Url::parse("https://[::1]:8443/hooks").unwrap();
        assert!(check_literal(&v6, false).is_err());
        let name = url::Url::parse("https://partner.example/hooks").unwrap();
        assert!(check_literal(&name, false).is_ok());
    }

    /// A TLS server presenting a self-signed certificate for internal-looking names; it
    /// serves handshakes until the test ends.
    fn self_signed_tls_server() -> u16 {
        let cert = rustls::pki_types::CertificateDer::from(SELF_SIGNED_CERT.to_vec());
        let key = rustls::pki_types::PrivateKeyDer::try_from(SELF_SIGNED_KEY.to_vec()).unwrap();
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![cert], key)
                .unwrap(),
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let config = config.clone();
                std::thread::spawn(move || {
                    let connection = rustls::ServerConnection::new(config).unwrap();
                    let mut tls = rustls::StreamOwned::new(connection, stream);
                    let mut buffer = [0u8; 1024];
                    let _ = std::io::Read::read(&mut tls, &mut buffer);
                });
            }
        });
        port
    }

    const SELF_SIGNED_CERT: &[u8] = include_bytes!("testdata/self-signed-cert.der");
    const SELF_SIGNED_KEY: &[u8] = include_bytes!("testdata/self-signed-key.der");
    const CERTIFICATE_NAMES: [&str; 3] = [
        "secret-internal.corp.example",
        "db-primary.corp.example",
        "Internal Billing Example Corp",
    ];

    fn chain(error: &reqwest::Error) -> String {
        let mut text = String::new();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(current) = cause {
            text.push_str(&format!("{current}; {current:?}\n"));
            cause = current.source();
        }
        text
    }

    #[tokio::test]
    async fn a_certificate_for_other_names_is_a_tls_error_that_names_none_of_them() {
        api::telemetry::install_crypto_provider();
        let port = self_signed_tls_server();
        // Trusting the certificate makes the client check its names, the error that
        // lists them (the one the audit saw leak).
        let trusting = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_der(SELF_SIGNED_CERT).unwrap())
            .build()
            .unwrap();
        let error = trusting
            .post(format!("https://localhost:{port}/hooks"))
            .send()
            .await
            .unwrap_err();
        let raw = chain(&error);
        assert!(
            raw.contains(CERTIFICATE_NAMES[0]),
            "the inner error names the certificate: {raw}"
        );
        assert_eq!(classify(&error), "TLS error");

        // The webhook client itself (public roots) refuses it as unknown.
        let client = build(&WebhookSettings {
            allow_private_targets: true,
            ..WebhookSettings::default()
        })
        .unwrap();
        let error = client
            .post(format!("https://127.0.0.1:{port}/hooks"))
            .send()
            .await
            .unwrap_err();
        let shown = classify(&error);
        assert_eq!(shown, "TLS error");
        for name in CERTIFICATE_NAMES {
            assert!(!shown.contains(name));
        }
    }

    #[tokio::test]
    async fn refused_connections_and_unknown_hosts_are_classified() {
        api::telemetry::install_crypto_provider();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let client = build(&WebhookSettings {
            allow_private_targets: true,
            ..WebhookSettings::default()
        })
        .unwrap();
        let error = client
            .post(format!("http://127.0.0.1:{port}/hooks"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(classify(&error), "connection refused");
        let error = client
            .post("http://no-such-host.invalid/hooks")
            .send()
            .await
            .unwrap_err();
        assert_eq!(classify(&error), "DNS error", "{}", chain(&error));
        let public_only = build(&WebhookSettings::default()).unwrap();
        let error = public_only
            .post("http://localhost:9/hooks")
            .send()
            .await
            .unwrap_err();
        assert_eq!(classify(&error), "private address refused", "{}", chain(&error));
    }
}
