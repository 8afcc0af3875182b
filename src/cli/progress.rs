//! Per-endpoint progress on a terminal (hidden automatically when not a terminal).

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::time::Duration;

use crossview::app::{Progress, ProgressSink};

pub struct Bars {
    bars: HashMap<String, ProgressBar>,
    _multi: MultiProgress,
}

impl Bars {
    pub fn new(endpoints: &[String]) -> Bars {
        let multi = MultiProgress::new();
        let style = ProgressStyle::with_template("{spinner} {prefix:<34} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bars = endpoints
            .iter()
            .map(|ep| {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(style.clone());
                bar.set_prefix(ep.clone());
                bar.set_message("waiting");
                bar.enable_steady_tick(Duration::from_millis(120));
                (ep.clone(), bar)
            })
            .collect();
        Bars {
            bars,
            _multi: multi,
        }
    }
}

impl ProgressSink for Bars {
    fn report(&self, p: Progress) {
        match p {
            Progress::Started { source, .. } => {
                if let Some(b) = self.bars.get(&source) {
                    b.set_message("connecting");
                }
            }
            Progress::Page {
                source,
                resource_type,
                received,
                ..
            } => {
                if let Some(b) = self.bars.get(&source) {
                    b.set_message(format!("{resource_type}: {received}"));
                }
            }
            Progress::Finished { outcome } => {
                if let Some(b) = self.bars.get(&outcome.source) {
                    let total: u64 = outcome.counts.values().sum();
                    if outcome.is_ok() {
                        b.finish_with_message(format!("done, {total} resources"));
                    } else {
                        b.finish_with_message("failed".to_string());
                    }
                }
            }
        }
    }
}
