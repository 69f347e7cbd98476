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
}
