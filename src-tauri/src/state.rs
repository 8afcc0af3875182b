//! What the commands share: the core's one API.

use std::sync::Arc;

use crossview::app::App;

pub struct AppState {
    pub app: Arc<App>,
}
