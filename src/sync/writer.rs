//! The single writer: a thread that owns the cache connection. Endpoint tasks
//! send it jobs through a small bounded channel, so a fast server waits for
//! the disk instead of piling pages up in memory.

use tokio::sync::{mpsc, oneshot};

use crate::store::{Cache, Store, StoreError};

type Job = Box<dyn FnOnce(&mut Store) + Send>;

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
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

/// Opens the store on a new thread. `now` stamps runs recovered from an earlier crash.
pub fn spawn(cache: &Cache, now: String) -> Result<(Writer, WriterThread), StoreError> {
    let mut store = Store::open(cache)?;
    store.recover_interrupted(&now)?;
    let (tx, mut rx) = mpsc::channel::<Job>(4);
    let handle = std::thread::Builder::new()
        .name("crossview-store-writer".into())
        .spawn(move || {
            while let Some(job) = rx.blocking_recv() {
                job(&mut store);
            }
            // Replaced pages leave the WAL; best effort (the next sync tries again).
            let _ = store.checkpoint();
        })
        .map_err(|_| StoreError::WriterStopped)?;
    Ok((Writer { tx }, WriterThread { handle }))
}

impl Writer {
    /// Runs `f` on the writer thread with the cache, and waits for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |store| {
            let _ = reply.send(f(store));
        });
        self.tx
            .send(job)
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}
