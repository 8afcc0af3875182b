//! The single writer: a thread that owns the cache connection. Endpoint tasks
//! send it pages through a small bounded channel, so a fast server waits for
//! the disk instead of piling pages up in memory.

use std::path::Path;
use tokio::sync::{mpsc, oneshot};

use crate::error::UiError;
use crate::store::{RunId, RunSummary, Store, StoreError, StoredResource};

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

enum Cmd {
    Begin {
        patient: String,
        source: String,
        kind: String,
        base_url: String,
        started_at: String,
        reply: Reply<RunId>,
    },
    Page {
        run: RunId,
        resources: Vec<StoredResource>,
        reply: Reply<()>,
    },
    Reject {
        run: RunId,
        resource_type: String,
        id: String,
        error: UiError,
        reply: Reply<()>,
    },
    Commit {
        run: RunId,
        finished_at: String,
        summary: RunSummary,
        reply: Reply<()>,
    },
    Fail {
        run: RunId,
        finished_at: String,
        error: UiError,
        summary: RunSummary,
        reply: Reply<()>,
    },
}

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Cmd>,
}

pub struct WriterThread {
    handle: std::thread::JoinHandle<()>,
}

impl WriterThread {
    /// Waits for the writer to drain (after every `Writer` clone is dropped).
    pub fn join(self) {
        let _ = self.handle.join();
    }
}

fn stopped() -> StoreError {
    StoreError::Sql(rusqlite::Error::InvalidQuery)
}

/// Opens the store on a new thread. `now` stamps runs recovered from an earlier crash.
pub fn spawn(data_dir: &Path, now: String) -> Result<(Writer, WriterThread), StoreError> {
    let mut store = Store::open(data_dir)?;
    store.recover_interrupted(&now)?;
    let (tx, mut rx) = mpsc::channel::<Cmd>(4);
    let handle = std::thread::Builder::new()
        .name("crossview-store-writer".into())
        .spawn(move || {
            while let Some(cmd) = rx.blocking_recv() {
                match cmd {
                    Cmd::Begin {
                        patient,
                        source,
                        kind,
                        base_url,
                        started_at,
                        reply,
                    } => {
                        let _ = reply.send(store.begin_run(
                            &patient,
                            &source,
                            &kind,
                            &base_url,
                            &started_at,
                        ));
                    }
                    Cmd::Page {
                        run,
                        resources,
                        reply,
                    } => {
                        let _ = reply.send(store.write_page(run, &resources));
                    }
                    Cmd::Reject {
                        run,
                        resource_type,
                        id,
                        error,
                        reply,
                    } => {
                        let _ = reply.send(store.reject(run, &resource_type, &id, &error));
                    }
                    Cmd::Commit {
                        run,
                        finished_at,
                        summary,
                        reply,
                    } => {
                        let _ = reply.send(store.commit_run(run, &finished_at, &summary));
                    }
                    Cmd::Fail {
                        run,
                        finished_at,
                        error,
                        summary,
                        reply,
                    } => {
                        let _ = reply.send(store.fail_run(run, &finished_at, &error, &summary));
                    }
                }
            }
        })
        .map_err(|_| stopped())?;
    Ok((Writer { tx }, WriterThread { handle }))
}

impl Writer {
    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Cmd) -> Result<T, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(make(reply)).await.map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }

    pub async fn begin(
        &self,
        patient: &str,
        source: &str,
        kind: &str,
        base_url: &str,
        started_at: &str,
    ) -> Result<RunId, StoreError> {
        self.ask(|reply| Cmd::Begin {
            patient: patient.into(),
            source: source.into(),
            kind: kind.into(),
            base_url: base_url.into(),
            started_at: started_at.into(),
            reply,
        })
        .await
    }

    pub async fn page(&self, run: RunId, resources: Vec<StoredResource>) -> Result<(), StoreError> {
        self.ask(|reply| Cmd::Page {
            run,
            resources,
            reply,
        })
        .await
    }

    pub async fn reject(
        &self,
        run: RunId,
        resource_type: &str,
        id: &str,
        error: UiError,
    ) -> Result<(), StoreError> {
        self.ask(|reply| Cmd::Reject {
            run,
            resource_type: resource_type.into(),
            id: id.into(),
            error,
            reply,
        })
        .await
    }

    pub async fn commit(
        &self,
        run: RunId,
        finished_at: String,
        summary: RunSummary,
    ) -> Result<(), StoreError> {
        self.ask(|reply| Cmd::Commit {
            run,
            finished_at,
            summary,
            reply,
        })
        .await
    }

    pub async fn fail(
        &self,
        run: RunId,
        finished_at: String,
        error: UiError,
        summary: RunSummary,
    ) -> Result<(), StoreError> {
        self.ask(|reply| Cmd::Fail {
            run,
            finished_at,
            error,
            summary,
            reply,
        })
        .await
    }
}
