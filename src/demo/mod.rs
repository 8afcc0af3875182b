//! Built-in demo: synthetic patients at three trusts and a GP, served over
//! loopback HTTP so the real client path is exercised.

pub mod data;
pub mod load;
pub mod server;

use crate::config::Endpoint;
pub use data::{DemoSource, demo_patients, demo_sources};
pub use server::{Fault, FixtureServer};

/// The demo trusts, running: one fixture server per source.
pub struct DemoTrusts {
    pub servers: Vec<(DemoSource, FixtureServer)>,
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
        Ok(DemoTrusts { servers })
    }

    /// Endpoint configuration pointing at the running demo servers.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.servers
            .iter()
            .map(|(src, server)| Endpoint::new(&src.name, src.kind, server.base_url()))
            .collect()
    }
}
