//! Built-in demo: synthetic patients at three trusts and a GP, served over
//! loopback HTTP so the real client path is exercised.

pub mod data;
pub mod load;
pub mod server;

use crate::config::Endpoint;
pub use data::{DemoSource, demo_patients, demo_sources};
pub use server::{Fault, FixtureServer};

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

    /// Endpoints for every demo trust, running or stopped (a stopped one is unreachable).
    pub fn all_endpoints(&self) -> Vec<Endpoint> {
        let mut eps = self.endpoints();
        for (src, port) in &self.stopped {
            if let Ok(url) = url::Url::parse(&format!("http://127.0.0.1:{port}")) {
                eps.push(Endpoint::new(&src.name, src.kind, url));
            }
        }
        eps
    }

    /// Endpoint configuration pointing at the running demo servers.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.servers
            .iter()
            .map(|(src, server)| Endpoint::new(&src.name, src.kind, server.base_url()))
            .collect()
    }
}
