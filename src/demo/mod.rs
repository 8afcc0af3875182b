//! Built-in demo: synthetic patients at three trusts and a GP, served over
//! loopback HTTP so the real client path is exercised.

pub mod data;
#[cfg(feature = "fault-injection")]
mod faults;
pub mod load;
#[cfg(not(feature = "fault-injection"))]
mod no_faults;
pub mod server;

use crate::config::{Endpoint, EndpointKind, slug};
pub use data::{DemoPatient, DemoSource, demo_patients, demo_sources};
#[cfg(feature = "fault-injection")]
pub use server::Fault;
pub use server::FixtureServer;

/// The demo trusts, running: one fixture server per source. A trust can be
/// taken offline and brought back on the same port (to show stale data).
pub struct DemoTrusts {
    pub servers: Vec<(DemoSource, FixtureServer)>,
    stopped: Vec<(DemoSource, u16)>,
}

impl DemoTrusts {
    /// Starts every demo source on a free loopback port (or `first_port`, `first_port + 1`, … when given).
    pub async fn start(big: usize, first_port: Option<u16>) -> std::io::Result<DemoTrusts> {
        let mut servers = Vec::new();
        for (i, src) in demo_sources(big).into_iter().enumerate() {
            let port = first_port.map_or(0, |p| p + i as u16);
            let server = FixtureServer::start(src.resources.clone(), port).await?;
            servers.push((src, server));
        }
        Ok(DemoTrusts {
            servers,
            stopped: Vec::new(),
        })
    }

    /// Stops or restarts one trust by name; returns false for an unknown name.
    pub async fn set_online(&mut self, name: &str, online: bool) -> std::io::Result<bool> {
        if online {
            let Some(i) = self.stopped.iter().position(|(s, _)| s.name == name) else {
                return Ok(self.servers.iter().any(|(s, _)| s.name == name));
            };
            let (src, port) = self.stopped.remove(i);
            let server = FixtureServer::start(src.resources.clone(), port).await?;
            self.servers.push((src, server));
            return Ok(true);
        }
        let Some(i) = self.servers.iter().position(|(s, _)| s.name == name) else {
            return Ok(self.stopped.iter().any(|(s, _)| s.name == name));
        };
        let (src, server) = self.servers.remove(i);
        let port = server.addr().port();
        server.stop().await;
        self.stopped.push((src, port));
        Ok(true)
    }

    /// Endpoints for every demo trust, running or stopped (a stopped one is unreachable),
    /// in the order of [`demo_sources`].
    pub fn all_endpoints(&self) -> Vec<Endpoint> {
        let mut eps = self.endpoints();
        for (src, port) in &self.stopped {
            if let Ok(url) = url::Url::parse(&format!("http://127.0.0.1:{port}")) {
                eps.push(demo_endpoint(&src.name, src.kind, url));
            }
        }
        let order: Vec<String> = demo_sources(0).into_iter().map(|s| s.name).collect();
        eps.sort_by_key(|e| order.iter().position(|n| n == e.name()));
        eps
    }

    /// Endpoint configuration pointing at the running demo servers.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.servers
            .iter()
            .map(|(src, server)| demo_endpoint(&src.name, src.kind, server.base_url()))
            .collect()
    }

    /// Stops every trust (an outage, for training and tests).
    pub async fn stop_all(&mut self) -> std::io::Result<()> {
        let names: Vec<String> = self.servers.iter().map(|(s, _)| s.name.clone()).collect();
        for n in names {
            self.set_online(&n, false).await?;
        }
        Ok(())
    }
}

/// A demo trust's endpoint: a stable id, and an origin that does not change with
/// the port the trust happens to listen on this time.
pub fn demo_endpoint(name: &str, kind: EndpointKind, url: url::Url) -> Endpoint {
    let mut ep = Endpoint::new(name, kind, url);
    let id = format!("demo-{}", slug(name));
    ep.fixed_origin = Some(format!("crossview-demo:{id}"));
    ep.id = Some(id);
    ep
}

/// The demo endpoints before their servers start (nothing listens at these addresses).
pub fn demo_endpoints_offline() -> Vec<Endpoint> {
    demo_sources(0)
        .into_iter()
        .filter_map(|s| {
            url::Url::parse("http://127.0.0.1:9")
                .ok()
                .map(|u| demo_endpoint(&s.name, s.kind, u))
        })
        .collect()
}
